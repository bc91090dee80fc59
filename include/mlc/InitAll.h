//===- InitAll.h - register what mlc tools use ------------------*- C++ -*-===//

#ifndef MLC_INITALL_H
#define MLC_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlc {

/// Registers the mlc dialect and the upstream dialects mlc lowers through.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers mlc's passes and pipelines and the upstream passes it uses.
void registerAllPasses();

} // namespace mlc

#endif // MLC_INITALL_H
