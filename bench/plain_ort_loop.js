// A plain ONNX Runtime timing loop, without roofcast and without profiling:
// the reference `roofcast measure` is checked against (bench/measure_check.sh).
// Usage: node bench/plain_ort_loop.js MODEL.onnx INPUT_NAME 1x3x224x224 [threads] [seconds]
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '../runners/onnxruntime/node_modules/onnxruntime-node'));

async function main() {
  const [model, inputName, shapeText, threadsText = '1', secondsText = '3'] = process.argv.slice(2);
  const shape = shapeText.split('x').map(Number);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential',
    intraOpNumThreads: Number(threadsText), interOpNumThreads: 1,
  });
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size).map((_, i) => Math.sin(i));
  const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const samples = [];
  const start = process.hrtime.bigint();
  while (samples.length < 10 || Number(process.hrtime.bigint() - start) / 1e9 < Number(secondsText)) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.round(p * (samples.length - 1)))];
  console.log(JSON.stringify({ median_s: q(0.5), p10_s: q(0.1), p90_s: q(0.9), count: samples.length }));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
