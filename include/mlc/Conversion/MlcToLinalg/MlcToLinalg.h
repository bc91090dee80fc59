//===- MlcToLinalg.h - mlc to linalg on tensors -----------------*- C++ -*-===//

#ifndef MLC_CONVERSION_MLCTOLINALG_MLCTOLINALG_H
#define MLC_CONVERSION_MLCTOLINALG_MLCTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlc {

/// Converts types for the lowering: unsigned integer element types become
/// signless (`ui8` -> `i8`); everything else is kept.
class MlcToLinalgTypeConverter : public mlir::TypeConverter {
public:
  MlcToLinalgTypeConverter();
};

/// Patterns rewriting every mlc op except `mlc.parameter`.
void populateMlcToLinalgPatterns(const mlir::TypeConverter &typeConverter,
                                 mlir::RewritePatternSet &patterns);

} // namespace mlc

#endif // MLC_CONVERSION_MLCTOLINALG_MLCTOLINALG_H
