// RUN: mlc-opt %mlc_src_root/docs/examples/qwen3-decoder-layer.mlir | mlc-opt | FileCheck %s
// RUN: mlc-opt %mlc_src_root/docs/examples/qwen3-decoder-layer.mlir -mlc-infer-shapes -canonicalize | FileCheck %s --check-prefix=OPT

// The example in docs/ stays valid and optimizable.

// CHECK-COUNT-11: mlc.parameter
// CHECK-LABEL: func.func @decoder_layer
// CHECK-COUNT-3: mlc.rms_norm
// CHECK-COUNT-2: mlc.rotary_embedding
// CHECK-COUNT-2: mlc.update_slice
// CHECK: mlc.attention %{{.*}}, %{{.*}}, %{{.*}} position(%{{.*}}) {causal}
// CHECK: mlc.swiglu

// Nothing in the layer is static beyond what the types say, so the passes
// keep every op.
// OPT-LABEL: func.func @decoder_layer
// OPT-COUNT-7: mlc.matmul
// OPT: return
