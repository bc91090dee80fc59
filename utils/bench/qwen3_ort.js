// Times Qwen3's prefill and greedy decode in ONNX Runtime (npm
// onnxruntime-node) on the graphs of utils/bench/qwen3_export_onnx.py, for
// utils/bench/qwen3_bench.py:
//
//   node qwen3_ort.js SPEC.json
//
// SPEC: {"prefill": model.onnx, "decode": model.onnx, "layers": L,
//        "prompts": [[id, ...], ...], "decode_steps": S, "repeat": R,
//        "threads": T, "out_dir": DIR}
// For each prompt: the prefill, then S greedy decode steps that start from
// the prefill's KV cache, each timed as the best of R runs. Prints one JSON
// line {"runs": [{"prefill_ms", "decode_ms", "tokens"}, ...]} (tokens: the
// greedy tokens, the prefill's first) and writes the float32 logits of the
// prefill's last position and of the first decode step to
// DIR/ort_<i>_prefill.f32 and DIR/ort_<i>_decode.f32, for the check against
// the PyTorch reference. One session at a time (the prefill session is
// released before the decode one is created: each holds the weights), T
// intra-op threads, sequential execution. Run with NODE_PATH pointing at the
// node_modules that holds onnxruntime-node.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function int64(values) {
  return new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
}

function argmax(data) {
  let best = 0;
  for (let i = 1; i < data.length; ++i) if (data[i] > data[best]) best = i;
  return best;
}

function kvNames(prefix, layers) {
  const names = [];
  for (let l = 0; l < layers; ++l) names.push(`${prefix}_k_${l}`, `${prefix}_v_${l}`);
  return names;
}

async function timed(session, feeds) {
  const t0 = process.hrtime.bigint();
  const outputs = await session.run(feeds);
  return [outputs, Number(process.hrtime.bigint() - t0) / 1e6];
}

function writeF32(file, tensor) {
  fs.writeFileSync(file, Buffer.from(tensor.data.buffer, tensor.data.byteOffset,
                                     tensor.data.byteLength));
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const options = {intraOpNumThreads: spec.threads, interOpNumThreads: 1,
                   executionMode: 'sequential', graphOptimizationLevel: 'all'};
  const present = kvNames('present', spec.layers);
  const past = kvNames('past', spec.layers);
  const runs = [], caches = [];

  let session = await ort.InferenceSession.create(spec.prefill, options);
  for (const [i, prompt] of spec.prompts.entries()) {
    const feeds = {ids: int64(prompt), positions: int64(prompt.map((_, j) => j))};
    let best = Infinity, outputs;
    for (let r = 0; r < spec.repeat; ++r) {
      let ms;
      [outputs, ms] = await timed(session, feeds);
      best = Math.min(best, ms);
    }
    writeF32(path.join(spec.out_dir, `ort_${i}_prefill.f32`), outputs.logits);
    runs.push({prefill_ms: best, tokens: [argmax(outputs.logits.data)]});
    caches.push(present.map((name) => outputs[name]));
  }
  await session.release();

  session = await ort.InferenceSession.create(spec.decode, options);
  for (const [i, prompt] of spec.prompts.entries()) {
    const run = runs[i];
    run.decode_ms = Infinity;
    for (let r = 0; r < spec.repeat; ++r) {
      let cache = caches[i], total = 0;
      const tokens = run.tokens.slice(0, 1);
      for (let step = 0; step < spec.decode_steps; ++step) {
        const feeds = {ids: int64([tokens[step]]), positions: int64([prompt.length + step])};
        past.forEach((name, j) => { feeds[name] = cache[j]; });
        const [outputs, ms] = await timed(session, feeds);
        total += ms;
        if (r === 0 && step === 0)
          writeF32(path.join(spec.out_dir, `ort_${i}_decode.f32`), outputs.logits);
        cache = present.map((name) => outputs[name]);
        tokens.push(argmax(outputs.logits.data));
      }
      run.decode_ms = Math.min(run.decode_ms, total);
      run.tokens = tokens;
    }
  }
  await session.release();
  console.log(JSON.stringify({runs}));
}

main().catch((e) => { console.error(`qwen3_ort: ${e.message}`); process.exit(1); });
