// Why Silero costs about twice as much inside the server as in vad.bench.ts, and what batching
// across sessions would save. Measured side by side in one run, CPU time (process.cpuUsage) per
// 512-sample window, minimum of 5 rounds:
//
//   hot    one window after another (what a micro-benchmark of 100 interleaved streams does:
//          the model's ~1.8 MB of weights and ORT's buffers stay in the CPU caches)
//   cold   4 MiB of other memory touched between windows (what a server does between two
//          sessions' windows: sockets, RxJS, HTTP), so each window starts with cold caches;
//          the sweep's own CPU is measured separately and subtracted
//   batch  N sessions' windows run as ONE inference ([N, 512] input, [2, N, 64] state), cold
//
// It also checks that a batched run gives each stream the same probability as running it alone.
// Run: npx tsx spec/bench/vadCache.bench.ts   (pin it for stable figures: taskset -c 0 …)

import { InferenceSession, Tensor } from "onnxruntime-node";
import { loadSileroModel, sileroModelPath, SILERO_ZERO_STATE, type SileroModel } from "../../lib/audio/vad/silero-model.ts";
import { loadUtterances } from "./load/speech.ts";

const WINDOW = 512;
const ROUNDS = 5;
const SWEEP_BYTES = 4 * 1024 * 1024;

const sweep = new Float64Array(SWEEP_BYTES / 8);
let sink = 0;
/** Touches one double per 64-byte cache line of the sweep buffer. */
function touchSweep(): void {
  for (let j = 0; j < sweep.length; j += 8) sink += sweep[j]!++;
}

function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** µs of CPU per window: min over rounds of (work − sweep alone) / windows. */
function perWindowUs(runs: number, windowsPerRun: number, run: () => void, withSweep: boolean): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const both = cpuMs(() => {
      for (let i = 0; i < runs; i++) {
        run();
        if (withSweep) touchSweep();
      }
    });
    const sweepOnly = withSweep ? cpuMs(() => { for (let i = 0; i < runs; i++) touchSweep(); }) : 0;
    best = Math.min(best, ((both - sweepOnly) / runs / windowsPerRun) * 1000);
  }
  return best;
}

function batchRunner(model: SileroModel, streams: number, input: Float32Array): () => void {
  const sr = new Tensor("int64", BigInt64Array.from([16000n]), []);
  const x = new Tensor("float32", input.subarray(0, streams * WINDOW), [streams, WINDOW]);
  let h: Tensor = new Tensor("float32", new Float32Array(2 * streams * 64), [2, streams, 64]);
  let c: Tensor = new Tensor("float32", new Float32Array(2 * streams * 64), [2, streams, 64]);
  return () => {
    const out = model.step(x, sr, h, c);
    h = out.h;
    c = out.c;
  };
}

async function batchMatchesSingle(model: SileroModel, speech: Float32Array): Promise<number> {
  // The public session for the batched outputs (step() returns row 0 only); the inline model
  // for each stream alone. Three streams at different places in real speech, 40 windows each.
  const session = await InferenceSession.create(sileroModelPath(), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const sr = new Tensor("int64", BigInt64Array.from([16000n]), []);
  const offsets = [0, 8000, 16000];
  const B = offsets.length;
  let hs: Tensor[] = offsets.map(() => SILERO_ZERO_STATE);
  let cs: Tensor[] = offsets.map(() => SILERO_ZERO_STATE);
  let hb: Tensor = new Tensor("float32", new Float32Array(2 * B * 64), [2, B, 64]);
  let cb: Tensor = new Tensor("float32", new Float32Array(2 * B * 64), [2, B, 64]);
  let maxDiff = 0;
  for (let w = 0; w < 40; w++) {
    const batch = new Float32Array(B * WINDOW);
    const alone: number[] = [];
    for (const [b, offset] of offsets.entries()) {
      const x = speech.slice(offset + w * WINDOW, offset + (w + 1) * WINDOW);
      batch.set(x, b * WINDOW);
      const out = model.step(new Tensor("float32", x, [1, WINDOW]), sr, hs[b]!, cs[b]!);
      hs = hs.map((t, i) => (i === b ? out.h : t));
      cs = cs.map((t, i) => (i === b ? out.c : t));
      alone.push(out.probability);
    }
    const out = await session.run({ input: new Tensor("float32", batch, [B, WINDOW]), sr, h: hb, c: cb });
    hb = out["hn"] as Tensor;
    cb = out["cn"] as Tensor;
    const probs = out["output"]!.data as Float32Array;
    for (let b = 0; b < B; b++) maxDiff = Math.max(maxDiff, Math.abs(probs[b]! - alone[b]!));
  }
  await session.release();
  return maxDiff;
}

const model = await loadSileroModel();
const utterances = await loadUtterances();
const pcm = utterances.flatMap((u) => Array.from(u.pcm));
const speech = Float32Array.from(pcm, (s) => s / 32768);
const input = speech.subarray(0, 100 * WINDOW);

const single = new Tensor("float32", input.slice(0, WINDOW), [1, WINDOW]);
const sr = new Tensor("int64", BigInt64Array.from([16000n]), []);
let h: Tensor = SILERO_ZERO_STATE;
let c: Tensor = SILERO_ZERO_STATE;
const one = (): void => {
  const out = model.step(single, sr, h, c);
  h = out.h;
  c = out.c;
};

const rows: [string, number][] = [
  ["1 stream, hot (windows back to back)", perWindowUs(3000, 1, one, false)],
  ["1 stream, cold (4 MiB touched between windows)", perWindowUs(1500, 1, one, true)],
];
for (const n of [8, 40, 100]) rows.push([`batch of ${n} streams, cold`, perWindowUs(Math.max(20, Math.round(1500 / n)), n, batchRunner(model, n, input), true)]);

console.log("Silero v4 (inline, 1 thread), CPU µs per 512-sample window (32 ms of audio); min of 5 rounds");
console.log("");
console.log("| case | µs/window | % of a core per real-time stream |");
console.log("|---|---|---|");
for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(0)} | ${((us / 32_000) * 100).toFixed(2)} |`);
console.log("");
console.log(`batched vs alone, max |Δ probability| over 3 streams × 40 windows: ${(await batchMatchesSingle(model, speech)).toExponential(1)}`);
if (sink === 0.5) console.log("");
