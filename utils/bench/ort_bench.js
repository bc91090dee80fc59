// Times an ONNX model in ONNX Runtime (npm onnxruntime-node) on .npy inputs:
//
//   node ort_bench.js MODEL.onnx RUNS INPUT.npy... [--check OUTPUT.npy...]
//
// Prints one JSON line: {"min_ms", "median_ms", "max_abs_error"?}. Uses two
// intra-op threads and sequential execution, as the benchmark protocol asks.
// Run with NODE_PATH pointing at the node_modules that holds
// onnxruntime-node (utils/bench/run_bench.py installs it into a cache).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const data = buf.subarray(start + headerLen);
  const types = {'<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
                 '<i4': ['int32', Int32Array], '<f8': ['float64', Float64Array]};
  if (!(descr in types)) throw new Error(`${path}: dtype ${descr} not supported`);
  const [type, Ctor] = types[descr];
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return new ort.Tensor(type, new Ctor(copy.buffer), shape);
}

async function main() {
  const args = process.argv.slice(2);
  const model = args[0];
  const runs = Number(args[1]);
  const checkAt = args.indexOf('--check');
  const inputPaths = args.slice(2, checkAt < 0 ? undefined : checkAt);
  const checkPaths = checkAt < 0 ? [] : args.slice(checkAt + 1);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all'});
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputPaths[i]); });
  let outputs = await session.run(feeds);  // warm-up
  const times = [];
  for (let i = 0; i < runs; ++i) {
    const t0 = process.hrtime.bigint();
    outputs = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const result = {min_ms: times[0], median_ms: times[Math.floor(times.length / 2)]};
  if (checkPaths.length) {
    let err = 0;
    session.outputNames.forEach((name, i) => {
      const want = readNpy(checkPaths[i]).data;
      const got = outputs[name].data;
      for (let j = 0; j < want.length; ++j) err = Math.max(err, Math.abs(got[j] - want[j]));
    });
    result.max_abs_error = err;
  }
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
