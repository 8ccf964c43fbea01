// Times one Softmax model (roofcast micro-model "normalization:op=Softmax,shape=48x49x49")
// on scores with an additive mask of 0, -10, -80, -100 and -1000 on the last 24 of every
// 49 scores, as a shifted-window attention masks them (Swin-T adds -100), with and without
// ONNX Runtime's session.set_denormal_as_zero, at 1 and 2 intra-op threads. exp(-100) is a
// subnormal float; exp(-80) is not.
// Usage: node bench/softmax_mask.js MODEL.onnx      (after scripts/setup.sh installed the runner)
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '..', 'runners', 'onnxruntime', 'node_modules', 'onnxruntime-node'));

async function time(model, threads, denormalAsZero, mask) {
  const options = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
                    graphOptimizationLevel: 'all' };
  if (denormalAsZero) options.extra = { session: { set_denormal_as_zero: '1' } };
  const session = await ort.InferenceSession.create(model, options);
  const input = session.inputNames[0];
  const dims = [48, 49, 49];
  const count = dims.reduce((a, b) => a * b, 1);
  const scores = new Float32Array(count);
  let seed = 1;  // a fixed linear congruential sequence: the same scores every run
  const uniform = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let i = 0; i < count; ++i) {
    scores[i] = 3 * (uniform() - 0.5) + ((i % 49) >= 25 ? mask : 0);
  }
  const feeds = { [input]: new ort.Tensor('float32', scores, dims) };
  for (let i = 0; i < 20; ++i) await session.run(feeds);
  const samples = [];
  for (let i = 0; i < 200; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  samples.sort((a, b) => a - b);
  console.log(`threads ${threads}  set_denormal_as_zero ${denormalAsZero ? 1 : 0}  mask ${String(mask).padStart(5)}: ` +
              `median ${samples[100].toFixed(1)} us (p10 ${samples[20].toFixed(1)}, p90 ${samples[180].toFixed(1)}, n = 200)`);
}

(async () => {
  const model = process.argv[2];
  if (!model) {
    console.error('usage: node bench/softmax_mask.js MODEL.onnx');
    process.exit(2);
  }
  for (const threads of [1, 2]) {
    for (const denormalAsZero of [false, true]) {
      for (const mask of [0, -10, -80, -100, -1000]) await time(model, threads, denormalAsZero, mask);
    }
  }
})().catch((error) => { console.error(`softmax_mask: ${error.message}`); process.exit(1); });
