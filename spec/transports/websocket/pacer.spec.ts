// OutputPacer on a manual clock: audio leaves in 40 ms chunks on a deadline timeline, never
// more than 100 ms ahead of real time; items keep their place behind queued audio; an
// interrupt drops queued audio at once; drained() waits for the playout.

import { describe, expect, it } from "vitest";
import { pcmDurationMs } from "../../../lib/audio/pcm.ts";
import { OutputPacer, type PacerClock, type PcmChunk } from "../../../lib/transports/websocket/pacer.ts";

class ManualClock implements PacerClock {
  t = 0;
  /** Timers set so far. */
  set = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  /** Extra lateness added to every timer, to show that lateness does not accumulate. */
  constructor(private readonly lateness = 0) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    this.set++;
    const timer = { at: this.t + ms + this.lateness, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
}

const RATE = 16_000;
const pcm = (ms: number): PcmChunk => ({ pcm: new Uint8Array((RATE / 1000) * ms * 2), sampleRate: RATE, channels: 1 });

function setup(lateness = 0) {
  const clock = new ManualClock(lateness);
  const log: string[] = [];
  const writes: { at: number; ms: number }[] = [];
  const pacer = new OutputPacer<string>({
    clock,
    writeAudio: (c) => {
      const ms = pcmDurationMs(c.pcm.byteLength, c.sampleRate, c.channels);
      writes.push({ at: clock.t, ms });
      log.push(`audio ${ms}`);
    },
    writeItem: (item) => log.push(item),
    onSpeaking: (s) => log.push(s ? "started" : "stopped"),
    keepOnInterrupt: (item) => item.startsWith("keep"),
  });
  return { clock, log, writes, pacer };
}

describe("OutputPacer", () => {
  it("cuts audio into 40 ms chunks and keeps at most 100 ms ahead of real time", () => {
    const { clock, writes, pacer } = setup();
    pacer.pushAudio(pcm(1000));
    expect(writes.map((w) => w.ms)).toEqual([40, 40]);
    clock.advance(2000);
    expect(writes).toHaveLength(25);
    expect(writes.every((w) => w.ms === 40)).toBe(true);
    // Chunk n (start n×40 ms) is written once its end is within 100 ms: at n×40 − 60 ms.
    writes.forEach((w, n) => {
      expect(w.at).toBeCloseTo(Math.max(0, n * 40 - 60), 6);
      expect(n * 40 + 40 - w.at).toBeLessThanOrEqual(100 + 1e-9);
    });
  });

  it("schedules against the timeline, so late timers do not add up to drift", () => {
    const { clock, writes, pacer } = setup(3); // every timer fires 3 ms late
    pacer.pushAudio(pcm(4000));
    clock.advance(5000);
    expect(writes).toHaveLength(100);
    const last = writes[99]!;
    // Relative 40 ms timers would be ~97 × 3 ms behind by now; deadlines stay within one lateness.
    expect(last.at - (99 * 40 - 60)).toBeLessThanOrEqual(3 + 1e-9);
  });

  it("keeps its one timer when audio streams in while it waits for the same moment", () => {
    const { clock, writes, pacer } = setup();
    pacer.pushAudio(pcm(200));
    expect(clock.set).toBe(1);
    // A TTS streaming faster than real time: ten more pieces before the next chunk is due.
    for (let i = 0; i < 10; i++) pacer.pushAudio(pcm(40));
    expect(clock.set).toBe(1);
    clock.advance(1000);
    expect(writes.reduce((ms, w) => ms + w.ms, 0)).toBe(600);
    // One timer per chunk not written at once (all but the first two), one for the end of speech.
    expect(clock.set).toBe(600 / 40 - 2 + 1);
  });

  it("drops nothing at chunk boundaries and merges small pieces that wait", () => {
    const { clock, writes, pacer } = setup();
    pacer.pushAudio(pcm(140)); // 40 + 40 written at once; 40 and 20 wait
    pacer.pushAudio(pcm(30)); // tops the waiting 20 up to 40, then 10
    clock.advance(1000);
    expect(writes.map((w) => w.ms)).toEqual([40, 40, 40, 40, 10]);
    expect(writes.reduce((s, w) => s + w.ms, 0)).toBe(170);
  });

  it("copies what it queues: the producer may reuse its buffer, and written chunks are never rewritten", () => {
    const clock = new ManualClock();
    const written: Uint8Array[] = [];
    const pacer = new OutputPacer<string>({ clock, writeAudio: (c) => written.push(c.pcm), writeItem: () => {}, onSpeaking: () => {} });
    // ~6 s of 24 kHz audio in uneven pieces (odd sizes too), more than one slab, through one reused buffer.
    const reused = new Uint8Array(4000);
    const expected: number[] = [];
    let n = 0;
    for (let i = 0; i < 150; i++) {
      const size = 2 * (1 + ((i * 379) % 1999));
      for (let k = 0; k < size; k++) reused[k] = (n + k * 7) & 0xff;
      for (let k = 0; k < size; k++) expected.push(reused[k]!);
      n++;
      pacer.pushAudio({ pcm: reused.subarray(0, size), sampleRate: 24_000, channels: 1 });
      reused.fill(0xee);
      clock.advance(20);
    }
    clock.advance(10_000);
    const out = written.flatMap((c) => Array.from(c));
    expect(out.length).toBe(expected.length);
    expect(out).toEqual(expected);
  });

  it("writes items after the audio queued before them", () => {
    const { clock, log, pacer } = setup();
    pacer.pushAudio(pcm(200));
    pacer.pushItem("text");
    expect(log).toEqual(["audio 40", "started", "audio 40"]);
    clock.advance(200);
    expect(log.slice(-2)).toEqual(["audio 40", "text"]);
  });

  it("reports speaking once per run, and stopped after playout plus the grace", () => {
    const { clock, log, pacer } = setup();
    pacer.pushAudio(pcm(80));
    clock.advance(80 + 249);
    expect(log.filter((l) => l === "started" || l === "stopped")).toEqual(["started"]);
    clock.advance(1);
    expect(log.filter((l) => l === "started" || l === "stopped")).toEqual(["started", "stopped"]);
  });

  it("does not flap when audio trickles in at real time", () => {
    const { clock, log, pacer } = setup();
    for (let i = 0; i < 50; i++) {
      pacer.pushAudio(pcm(20));
      clock.advance(22); // a little slower than real time: small underruns
    }
    expect(log.filter((l) => l === "started" || l === "stopped")).toEqual(["started"]);
  });

  it("interrupt drops queued audio and droppable items at once, keeps the rest", () => {
    const { clock, log, writes, pacer } = setup();
    pacer.pushAudio(pcm(5000));
    pacer.pushItem("text");
    pacer.pushItem("keep-end");
    clock.advance(1000);
    const before = writes.length;
    pacer.interrupt();
    expect(log.slice(-2)).toEqual(["stopped", "keep-end"]);
    expect(pacer.queued).toBe(0);
    clock.advance(5000);
    expect(writes.length).toBe(before);
    expect(log).not.toContain("text");
  });

  it("drained() resolves when the queue is empty and the audio has played out", async () => {
    const { clock, log, pacer } = setup();
    pacer.pushAudio(pcm(400));
    pacer.pushItem("end");
    let drained = false;
    void pacer.drained().then(() => (drained = true));
    clock.advance(399);
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(log).toContain("end");
    clock.advance(1);
    await Promise.resolve();
    expect(drained).toBe(true);
    // Someone waited for the end: stopped at playout end, without the grace.
    expect(log.at(-1)).toBe("stopped");
  });

  it("drained() is immediate when nothing was queued, and after close()", async () => {
    const { pacer } = setup();
    await pacer.drained();
    pacer.pushAudio(pcm(1000));
    const pending = pacer.drained();
    pacer.close();
    await pending;
    expect(pacer.isSpeaking).toBe(false);
  });

  it("items pushed from a callback wait for the loop already running", () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const pacer: OutputPacer<string> = new OutputPacer<string>({
      clock,
      writeAudio: () => log.push("audio"),
      writeItem: (i) => log.push(i),
      onSpeaking: (s) => {
        if (s) pacer.pushItem("speaking-message");
      },
    });
    pacer.pushAudio(pcm(80));
    expect(log).toEqual(["audio", "audio", "speaking-message"]);
  });
});
