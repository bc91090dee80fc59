//===- PatternsImpl.h - the mlc to linalg patterns, by family ---*- C++ -*-===//

#ifndef MLC_LIB_CONVERSION_MLCTOLINALG_PATTERNSIMPL_H
#define MLC_LIB_CONVERSION_MLCTOLINALG_PATTERNSIMPL_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlc::lowering {

void populateElementwisePatterns(const mlir::TypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateContractionPatterns(const mlir::TypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateReductionPatterns(const mlir::TypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(const mlir::TypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
void populateResizePatterns(const mlir::TypeConverter &converter,
                            mlir::RewritePatternSet &patterns);
void populateTransformerPatterns(const mlir::TypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateQuantPatterns(const mlir::TypeConverter &converter,
                           mlir::RewritePatternSet &patterns);

} // namespace mlc::lowering

#endif // MLC_LIB_CONVERSION_MLCTOLINALG_PATTERNSIMPL_H
