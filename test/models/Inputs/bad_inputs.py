"""Writes bad inputs for a model that takes one f32 NCHW image, next to a
good one:  bad_inputs.py GOOD.npy MODEL.onnx OUT_DIR

  channels4.npy   the good shape with 4 channels instead of 3
  rank3.npy       the image without its batch dimension
  int64.npy       the good shape as int64
  truncated.npy   the good file cut in the middle of its data
  header.npy      the good file cut in the middle of its header
  truncated.onnx  MODEL.onnx cut in half"""

import os
import sys

import numpy as np

good, model, out = sys.argv[1:]
x = np.load(good)
n, c, h, w = x.shape
np.save(os.path.join(out, "channels4.npy"), np.zeros((n, c + 1, h, w), x.dtype))
np.save(os.path.join(out, "rank3.npy"), x[0])
np.save(os.path.join(out, "int64.npy"), x.astype(np.int64))
for src, dst, size in [(good, "truncated.npy", os.path.getsize(good) // 2),
                       (good, "header.npy", 40),
                       (model, "truncated.onnx", os.path.getsize(model) // 2)]:
    with open(src, "rb") as f, open(os.path.join(out, dst), "wb") as g:
        g.write(f.read(size))
