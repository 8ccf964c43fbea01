#!/usr/bin/env node
// roofcast ONNX Runtime runner: a long-lived process that measures model latency
// with onnxruntime-node (CPU execution provider). See PROTOCOL.md for the details.
//
// Protocol (version 1): one JSON object per line on stdin, exactly one JSON
// object per line on stdout for each request, in order. Diagnostics go to stderr.
//   {"id":N,"op":"hello"} -> {"id":N,"ok":true,"runtime":"onnxruntime","version":V,
//                             "node":"vX","execution_provider":"cpu","protocol":1}
//   {"id":N,"op":"run","model":PATH,"inputs":[{"name","dtype","shape"}],
//    "session":{...},"policy":{...},"profile":bool,"profile_prefix":PREFIX,"seed":S,
//    "optimized_model_path":PATH}
//     -> {"id":N,"ok":true,"samples_s":[...],"session_create_s":x,
//         "profile_file":PATH|null,"session_options":{...},"warmup_runs":W,"seed":S,
//         "optimized_model_path":PATH|null}
//   {"id":N,"op":"quit"}  -> {"id":N,"ok":true}, then exit 0.   EOF on stdin -> exit 0.
//   Any failure -> {"id":N|null,"ok":false,"error":"message"}; the runner keeps serving.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require('onnxruntime-node');
const ORT_VERSION = require('onnxruntime-node/package.json').version;
const PROTOCOL = 1;

const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const nowNs = () => process.hrtime.bigint();
const secondsSince = (t0) => Number(nowNs() - t0) / 1e9;

// ---- request validation --------------------------------------------------------------
const SESSION_DEFAULTS = {
  graph_optimization_level: 'all', intra_op_threads: 1, inter_op_threads: 1,
  execution_mode: 'sequential', enable_cpu_mem_arena: true, enable_mem_pattern: true,
};
const POLICY_DEFAULTS = { warmup_runs: 5, min_runs: 10, max_runs: 1000, min_time_s: 1.0, max_time_s: 30.0 };

function merged(defaults, given, what) {
  if (given === undefined || given === null) return { ...defaults };
  if (typeof given !== 'object' || Array.isArray(given)) throw new Error(`"${what}" must be an object`);
  for (const k of Object.keys(given)) if (!(k in defaults)) throw new Error(`unknown ${what} field "${k}"`);
  return { ...defaults, ...given };
}

function checkInt(v, what, min) {
  if (!Number.isInteger(v) || v < min) throw new Error(`${what} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
}
function checkNum(v, what) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${what} must be a number >= 0, got ${JSON.stringify(v)}`);
}

function sessionOptions(s) {
  if (!['disabled', 'basic', 'extended', 'all'].includes(s.graph_optimization_level))
    throw new Error(`session.graph_optimization_level must be disabled|basic|extended|all, got ${JSON.stringify(s.graph_optimization_level)}`);
  if (!['sequential', 'parallel'].includes(s.execution_mode))
    throw new Error(`session.execution_mode must be sequential|parallel, got ${JSON.stringify(s.execution_mode)}`);
  checkInt(s.intra_op_threads, 'session.intra_op_threads', 0);
  checkInt(s.inter_op_threads, 'session.inter_op_threads', 0);
  for (const k of ['enable_cpu_mem_arena', 'enable_mem_pattern'])
    if (typeof s[k] !== 'boolean') throw new Error(`session.${k} must be a boolean`);
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: s.graph_optimization_level,
    intraOpNumThreads: s.intra_op_threads,
    interOpNumThreads: s.inter_op_threads,
    executionMode: s.execution_mode,
    enableCpuMemArena: s.enable_cpu_mem_arena,
    enableMemPattern: s.enable_mem_pattern,
    logSeverityLevel: 3, // errors only (ORT logs to stderr)
  };
}

function checkPolicy(p) {
  for (const k of ['warmup_runs', 'max_runs']) checkInt(p[k], `policy.${k}`, 0);
  checkInt(p.min_runs, 'policy.min_runs', 1);
  for (const k of ['min_time_s', 'max_time_s']) checkNum(p[k], `policy.${k}`);
  if (p.max_runs < p.min_runs) throw new Error('policy.max_runs must be >= policy.min_runs');
  if (p.max_time_s < p.min_time_s) throw new Error('policy.max_time_s must be >= policy.min_time_s');
}

// ---- deterministic input data ---------------------------------------------------------
function mulberry32(seed) { // small, well-known 32-bit PRNG; returns floats in [0, 1)
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toHalfBits(f) { // float -> IEEE 754 binary16 bits (round-toward-zero; fine for test data)
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000, exp = ((x >>> 23) & 0xff) - 127 + 15, mant = x & 0x7fffff;
  if (exp <= 0) return sign; // underflow to +-0
  if (exp >= 31) return sign | 0x7c00; // overflow to +-inf
  return sign | (exp << 10) | (mant >>> 13);
}

// dtype -> [typed array constructor, default value range [lo, hi), integer?]
const DTYPES = {
  float32: [Float32Array, [-1, 1], false], float64: [Float64Array, [-1, 1], false],
  float16: [Uint16Array, [-1, 1], false], int64: [BigInt64Array, [0, 10], true],
  int32: [Int32Array, [0, 10], true], int8: [Int8Array, [0, 10], true],
  uint8: [Uint8Array, [0, 10], true], bool: [Uint8Array, [0, 2], true],
};

function makeTensor(spec, rand) {
  if (!spec || typeof spec.name !== 'string') throw new Error('each input needs a string "name"');
  const entry = DTYPES[spec.dtype];
  if (!entry) throw new Error(`input "${spec.name}": unsupported dtype ${JSON.stringify(spec.dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new Error(`input "${spec.name}": "shape" must be an array of integers >= 0, got ${JSON.stringify(spec.shape)}`);
  const [Ctor, defRange, isInt] = entry;
  if (spec.fill !== undefined) {
    // One value in every element (a cache-flush buffer: no random numbers to draw,
    // and real pages, unlike zeros that the kernel may map to one shared page).
    if (spec.range !== undefined) throw new Error(`input "${spec.name}": give "fill" or "range", not both`);
    if (typeof spec.fill !== 'number' || !Number.isFinite(spec.fill) || isInt)
      throw new Error(`input "${spec.name}": "fill" must be a finite number, for a float input`);
    const data = new Ctor(spec.shape.reduce((a, b) => a * b, 1));
    data.fill(spec.dtype === 'float16' ? toHalfBits(spec.fill) : spec.fill);
    return new ort.Tensor(spec.dtype, data, spec.shape);
  }
  const [lo, hi] = spec.range === undefined ? defRange : spec.range;
  if (!(typeof lo === 'number' && typeof hi === 'number' && hi > lo)) throw new Error(`input "${spec.name}": "range" must be [lo, hi] with hi > lo`);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Ctor(n);
  for (let i = 0; i < n; i++) {
    const u = lo + rand() * (hi - lo);
    if (spec.dtype === 'float16') data[i] = toHalfBits(u);
    else if (spec.dtype === 'int64') data[i] = BigInt(Math.floor(u));
    else data[i] = isInt ? Math.floor(u) : u;
  }
  return new ort.Tensor(spec.dtype, data, spec.shape);
}

// ---- profiling -------------------------------------------------------------------------
// onnxruntime-node's public endProfiling() returns nothing (the native binding returns the
// path, but the JS wrapper drops it), so the trace is found by its name: ORT writes
// "<prefix>_<YYYY-MM-DD_HH-MM-SS>.json". The newest such file written since the session
// was created is the one.
function findProfile(prefix, sinceMs) {
  const dir = path.dirname(prefix), base = path.basename(prefix) + '_';
  const hits = fs.readdirSync(dir)
    .filter((f) => f.startsWith(base) && f.endsWith('.json') && /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.json$/.test(f.slice(base.length)))
    .map((f) => ({ f: path.join(dir, f), m: fs.statSync(path.join(dir, f)).mtimeMs }))
    .filter((h) => h.m >= sinceMs - 1000)
    .sort((a, b) => b.m - a.m);
  if (hits.length === 0) throw new Error(`profiling was on but no trace "${prefix}_*.json" was written`);
  return hits[0].f;
}

// ---- the run op ------------------------------------------------------------------------
async function run(req) {
  if (typeof req.model !== 'string' || !path.isAbsolute(req.model)) throw new Error('"model" must be an absolute path');
  const s = merged(SESSION_DEFAULTS, req.session, 'session');
  const policy = merged(POLICY_DEFAULTS, req.policy, 'policy');
  checkPolicy(policy);
  const options = sessionOptions(s);
  const profile = req.profile === true;
  if (profile) {
    if (typeof req.profile_prefix !== 'string' || !path.isAbsolute(req.profile_prefix))
      throw new Error('"profile_prefix" must be an absolute path prefix when "profile" is true');
    fs.mkdirSync(path.dirname(req.profile_prefix), { recursive: true });
    options.enableProfiling = true;
    options.profileFilePrefix = req.profile_prefix;
  }
  if (req.optimized_model_path !== undefined && req.optimized_model_path !== null) {
    // ORT writes the graph it runs (after fusions and layout transforms) here: node names
    // match the trace's event names, and its inputs/outputs show what each fused node covers.
    if (typeof req.optimized_model_path !== 'string' || !path.isAbsolute(req.optimized_model_path))
      throw new Error('"optimized_model_path" must be an absolute path');
    options.optimizedModelFilePath = req.optimized_model_path;
  }
  const seed = req.seed === undefined ? 0 : req.seed;
  checkInt(seed, 'seed', 0);

  const createdMs = Date.now();
  const t0 = nowNs();
  let session;
  try {
    session = await ort.InferenceSession.create(req.model, options);
  } catch (e) {
    throw new Error(`cannot load model ${req.model}: ${e.message}`);
  }
  const sessionCreateS = secondsSince(t0);
  try {
    // Inputs: as given, or (when "inputs" is absent) from the model's own static input shapes.
    let specs = req.inputs;
    if (specs === undefined) {
      specs = session.inputMetadata.map((m) => {
        if (!m.isTensor || !m.shape.every(Number.isInteger)) throw new Error(`model ${req.model}: input "${m.name}" has no static tensor shape; pass "inputs"`);
        return { name: m.name, dtype: m.type, shape: m.shape };
      });
    }
    if (!Array.isArray(specs)) throw new Error('"inputs" must be an array');
    const rand = mulberry32(seed);
    const feeds = {};
    for (const spec of specs) feeds[spec.name] = makeTensor(spec, rand);

    const runOnce = async () => {
      try { await session.run(feeds); } catch (e) { throw new Error(`model ${req.model}: run failed: ${e.message}`); }
    };
    for (let i = 0; i < policy.warmup_runs; i++) await runOnce();
    const samples = [];
    const start = nowNs();
    for (;;) {
      const elapsed = secondsSince(start);
      if (samples.length >= policy.max_runs || elapsed >= policy.max_time_s) break;
      if (samples.length >= policy.min_runs && elapsed >= policy.min_time_s) break;
      const t = nowNs();
      await runOnce();
      samples.push(secondsSince(t));
    }
    let profileFile = null;
    if (profile) {
      const ret = session.endProfiling();
      profileFile = typeof ret === 'string' ? ret : findProfile(req.profile_prefix, createdMs);
    }
    return {
      samples_s: samples, session_create_s: sessionCreateS, profile_file: profileFile,
      warmup_runs: policy.warmup_runs, seed, optimized_model_path: options.optimizedModelFilePath || null,
      session_options: { ...s, execution_provider: 'cpu', profiling: profile },
    };
  } finally {
    await session.release();
  }
}

async function handle(req) {
  switch (req.op) {
    case 'hello':
      return { runtime: 'onnxruntime', version: ORT_VERSION, node: process.version, execution_provider: 'cpu', protocol: PROTOCOL };
    case 'run':
      return run(req);
    default:
      throw new Error(`unknown op ${JSON.stringify(req.op)}`);
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) { // requests are served one at a time, in order
    if (line.trim() === '') continue;
    let req, id = null;
    try {
      req = JSON.parse(line);
      if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new Error('request must be a JSON object');
      if (Number.isInteger(req.id)) id = req.id;
      else if (req.id !== undefined) throw new Error('"id" must be an integer');
      if (req.op === 'quit') {
        process.stdout.write(JSON.stringify({ id, ok: true }) + '\n', () => process.exit(0));
        return;
      }
      send({ id, ok: true, ...(await handle(req)) });
    } catch (e) {
      const msg = e instanceof SyntaxError ? `malformed request line: ${e.message}` : String(e && e.message ? e.message : e);
      process.stderr.write(`roofcast-ort-runner: request ${id}: ${msg}\n`);
      send({ id, ok: false, error: msg });
    }
  }
  process.exit(0); // EOF
}

main().catch((e) => { process.stderr.write(`roofcast-ort-runner: fatal: ${e && e.stack ? e.stack : e}\n`); process.exit(1); });
