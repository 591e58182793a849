// Core runtime costs, measured side by side in one run:
//  - a frame's trip through a chain of pass-through processors vs a bare function chain
//    of the same length (per-hop ns and the ratio);
//  - the backpressure operator's per-frame cost on its fast path and when queuing.
// Run: npm run bench:core   (not part of npm test)

import { NEVER, Subject } from "rxjs";
import { pipeline } from "../../lib/pipeline/pipeline.ts";
import { processor, type Processor } from "../../lib/pipeline/processor.ts";
import { lanes } from "../../lib/operators/lanes.ts";
import { backpressure } from "../../lib/operators/backpressure.ts";
import { audioFrame, counterIds, createFrame, type Frame } from "../../lib/frames/index.ts";

const HOPS = 10;
const N = 300_000;
const ROUNDS = 5;

function timeIt(run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0);
}

/** Best of ROUNDS, in ns per frame. */
function bench(setup: () => (f: Frame) => void, frames: Frame[]): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const push = setup();
    const ns = timeIt(() => {
      for (let i = 0; i < N; i++) push(frames[i % frames.length]!);
    });
    best = Math.min(best, ns / N);
  }
  return best;
}

const ids = counterIds();
const frames: Frame[] = [
  audioFrame(ids, "InputAudioRawFrame", new Uint8Array(640), 16000),
  createFrame(ids, "TextFrame", { text: "hello" }),
];

let sink = 0;
const consume = (f: Frame): void => {
  sink += f.id;
};

function bare(): (f: Frame) => void {
  let fn: (f: Frame) => void = consume;
  for (let i = 0; i < HOPS; i++) {
    const next = fn;
    fn = (f) => next(f);
  }
  return fn;
}

function chainOf(make: () => Processor): () => (f: Frame) => void {
  return () => {
    const input = new Subject<Frame>();
    const ends = pipeline("bench", Array.from({ length: HOPS }, make)).link({ down: input, up: NEVER });
    ends.up.subscribe();
    ends.down.subscribe(consume);
    return (f) => input.next(f);
  };
}

const plain = chainOf(() => processor("pass", () => ({})));
const twoLane = chainOf(() => processor("lanes", () => ({ down: lanes({}) })));

function bp(ready: boolean): () => (f: Frame) => void {
  return () => {
    const input = new Subject<Frame>();
    const gate = new Subject<boolean>();
    input.pipe(backpressure({ capacity: 256, overflow: "drop_oldest", ready$: gate })).subscribe(consume);
    gate.next(ready);
    return (f) => input.next(f);
  };
}
function direct(): (f: Frame) => void {
  const input = new Subject<Frame>();
  input.subscribe(consume);
  return (f) => input.next(f);
}

const bareNs = bench(bare, frames);
const plainNs = bench(plain, frames);
const lanesNs = bench(twoLane, frames);
const subjectNs = bench(direct, frames);
const bpFastNs = bench(bp(true), frames);
const bpQueueNs = bench(bp(false), frames);

const row = (name: string, perFrame: number, hops = HOPS) =>
  `${name.padEnd(44)} ${(perFrame / hops).toFixed(1).padStart(8)} ns/hop ${perFrame.toFixed(1).padStart(9)} ns/frame ${(perFrame / bareNs).toFixed(1).padStart(6)}x bare`;

console.log(`core runtime: ${HOPS} hops, ${N.toLocaleString()} frames × best of ${ROUNDS}, node ${process.version}`);
console.log(row("bare function chain", bareNs));
console.log(row("pass-through processor (no operator)", plainNs));
console.log(row("pass-through processor with lanes()", lanesNs));
console.log("");
console.log(`backpressure, per frame (Subject alone: ${subjectNs.toFixed(1)} ns)`);
console.log(`  fast path (ready, queue empty)   ${(bpFastNs - subjectNs).toFixed(1).padStart(7)} ns added`);
console.log(`  queuing with drop_oldest at 256  ${(bpQueueNs - subjectNs).toFixed(1).padStart(7)} ns added`);
console.log(`targets: processor hop ≤ 150 ns and ≤ 10x a bare call (per hop)`);
if (sink === -1) console.log(sink);
