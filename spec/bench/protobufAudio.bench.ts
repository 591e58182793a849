// The protobuf audio fast path against protobufjs, side by side in one run, on the hot message:
// 20 ms of 16 kHz mono PCM16 (640 bytes).
//
//   decode   the Pipecat client's microphone frame (a Buffer, as the socket delivers it)
//            codec       decodeAudioFrame  vs  FrameMessage.decode + toObject({longs: Number})
//            serializer  deserialize → InputAudioRawFrame, fast path on vs `fastPath: false`
//   encode   a TTSAudioRawFrame with pts
//            codec       encodeAudioFrame  vs  FrameMessage.encode({audio: {…}}).finish()
//            serializer  serialize → bytes, fast path on vs `fastPath: false`
//
// Time: ns per op, best of 7 rounds of 100 000 ops. Allocation: bytes per op on the JS heap and
// in ArrayBuffer backing stores, the median over 100 chunks of 1 000 ops, each chunk starting
// after a full GC with a young generation large enough that no collection runs inside it.
// Run: npx tsx spec/bench/protobufAudio.bench.ts   (it re-runs itself under node with
// --expose-gc and a 64 MB semi-space when started without them)

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { audioFrame, counterIds } from "../../lib/frames/index.ts";
import { pipecatProtoRoot, protobufSerializer } from "../../lib/serializers/protobuf.ts";
import { decodeAudioFrame, encodeAudioFrame } from "../../lib/serializers/protobufAudio.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const script = fileURLToPath(import.meta.url);
  const flags = ["--expose-gc", "--max-semi-space-size=64", "--min-semi-space-size=64", "--import", "tsx"];
  const run = spawnSync(process.execPath, [...flags, script], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}
const fullGc = gc!;

const OPS = 100_000;
const ROUNDS = 7;
const CHUNK = 1_000;
const CHUNKS = 100;

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");
const pcm = Uint8Array.from({ length: 640 }, (_, i) => (i * 37 + 11) & 0xff);
// The client's frame (id 0 left out, name "audio"), written by protobufjs like the client does.
const inbound = Buffer.from(
  FrameMessage.encode({ audio: { name: "audio", audio: pcm, sample_rate: 16000, num_channels: 1 } }).finish(),
);
const ids = counterIds(1_000_000);
const outbound = audioFrame(ids, "TTSAudioRawFrame", pcm, 16000, 1, { pts: 1_234_567_890 });
const outName = `TTSAudioRawFrame#${outbound.id}`;

let sink = 0;

function nsPerOp(op: () => unknown): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) if (op() !== null) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / OPS);
  }
  return best;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function bytesPerOp(op: () => unknown): { heap: number; buffers: number } {
  const heap: number[] = [];
  const buffers: number[] = [];
  for (let c = 0; c < CHUNKS; c++) {
    fullGc();
    const before = process.memoryUsage();
    for (let i = 0; i < CHUNK; i++) if (op() !== null) sink++;
    const after = process.memoryUsage();
    heap.push((after.heapUsed - before.heapUsed) / CHUNK);
    buffers.push((after.arrayBuffers - before.arrayBuffers) / CHUNK);
  }
  return { heap: median(heap), buffers: median(buffers) };
}

interface Row {
  readonly name: string;
  readonly ns: number;
  readonly heap: number;
  readonly buffers: number;
}

function measure(name: string, op: () => unknown): Row {
  for (let i = 0; i < 20_000; i++) op(); // warm up: let both paths reach optimized code
  return { name, ns: nsPerOp(op), ...bytesPerOp(op) };
}

const slow = protobufSerializer(counterIds(), { fastPath: false });
const fast = protobufSerializer(counterIds());

// Sanity: both sides do the same work on these inputs.
if (decodeAudioFrame(inbound) === null) throw new Error("the client frame is not on the fast path");
if (Buffer.compare(fast.serialize(outbound) as Uint8Array, slow.serialize(outbound) as Uint8Array) !== 0) {
  throw new Error("fast and protobufjs encodings differ");
}

const pairs: Array<[Row, Row]> = [
  [
    measure("decode codec       protobufjs", () => FrameMessage.toObject(FrameMessage.decode(inbound), { longs: Number, oneofs: true })),
    measure("decode codec       fast path ", () => decodeAudioFrame(inbound)),
  ],
  [
    measure("decode serializer  protobufjs", () => slow.deserialize(inbound, true)),
    measure("decode serializer  fast path ", () => fast.deserialize(inbound, true)),
  ],
  [
    measure("encode codec       protobufjs", () =>
      FrameMessage.encode({
        audio: { id: outbound.id, name: outName, audio: pcm, sample_rate: 16000, num_channels: 1, pts: outbound.pts },
      }).finish(),
    ),
    measure("encode codec       fast path ", () => encodeAudioFrame(outbound.id, outName, pcm, 16000, 1, outbound.pts)),
  ],
  [
    measure("encode serializer  protobufjs", () => slow.serialize(outbound)),
    measure("encode serializer  fast path ", () => fast.serialize(outbound)),
  ],
];

const fmt = (n: number, width: number): string => n.toFixed(0).padStart(width);
console.log(`inbound ${inbound.byteLength} B, outbound ${(fast.serialize(outbound) as Uint8Array).byteLength} B, node ${process.version}`);
console.log("                                    ns/op   heap B/op   buffer B/op   speed-up");
for (const [old, now] of pairs) {
  for (const row of [old, now]) {
    const ratio = row === now ? `${(old.ns / now.ns).toFixed(1)}×`.padStart(10) : "";
    console.log(`${row.name}   ${fmt(row.ns, 6)}   ${fmt(row.heap, 9)}   ${fmt(row.buffers, 11)}${ratio}`);
  }
}
if (sink < 0) console.log(sink);
