// Measurement probes placed inside the bench's session pipeline (server child only).
//
//   inputProbe     first session stage: the age of every inbound audio frame that carries the
//                  client's send time in `pts` (protobuf clients of the bench stamp it).
//   decisionProbe  after the voice stage: stamps the end-of-turn (UserStoppedSpeakingFrame)
//                  and barge-in (InterruptionFrame) decisions in the same synchronous call that
//                  made them (system frames pass every processor at once), and tells the client
//                  in-band; also each transcript's turn tag (turnTag.ts).
//   tailProbe      last session stage: stamps BotStartedSpeakingFrame as it enters the pipeline
//                  from the transport (the pacer emits it right after handing the first audio
//                  chunk of a run to the socket) and the InterruptionFrame as it reaches the sink.
//
// Every probe passes all frames through unchanged; what it adds is one small urgent transport
// message per event (a handful per turn), never anything per audio frame.

import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { tap } from "rxjs";
import { createFrame, type Frame } from "../../../lib/frames/index.ts";
import type { ProcessorContext } from "../../../lib/pipeline/context.ts";
import { processor, type Processor, type ProcessorPorts } from "../../../lib/pipeline/processor.ts";
import { BENCH_LABEL, type BenchEvent, type BenchMessage } from "./protocol.ts";
import { monoUs } from "./stats.ts";
import { turnIn } from "./turnTag.ts";

/** Frame ages in µs, process-wide; the child resets it at each measurement window. */
export const frameAgeUs: RecordableHistogram = createHistogram();

function send(ctx: ProcessorContext, ports: ProcessorPorts, ev: BenchEvent, t: number, turn?: number): void {
  const message: BenchMessage = { label: BENCH_LABEL, ev, t, turn };
  ports.pushDown(createFrame(ctx.ids, "OutputTransportMessageUrgentFrame", { message }));
}

export function inputProbe(): Processor {
  return processor("bench_input_probe", () => ({
    down: tap((frame: Frame) => {
      if (frame.type !== "InputAudioRawFrame" || frame.pts === undefined) return;
      frameAgeUs.record(Math.max(1, monoUs() - frame.pts));
    }),
  }));
}

export function decisionProbe(ctx: ProcessorContext): Processor {
  return processor("bench_decision_probe", (ports) => ({
    down: tap((frame: Frame) => {
      if (frame.type === "UserStoppedSpeakingFrame") send(ctx, ports, "eot", monoUs());
      else if (frame.type === "InterruptionFrame") send(ctx, ports, "interrupt", monoUs());
      else if (frame.type === "UserStartedSpeakingFrame") send(ctx, ports, "user_started", monoUs());
      else if (frame.type === "TranscriptionFrame") send(ctx, ports, "transcript", monoUs(), turnIn(frame.text));
    }),
  }));
}

export function tailProbe(ctx: ProcessorContext): Processor {
  return processor("bench_tail_probe", (ports) => ({
    down: tap((frame: Frame) => {
      if (frame.type === "InterruptionFrame") send(ctx, ports, "interrupt_at_sink", monoUs());
    }),
    up: tap((frame: Frame) => {
      if (frame.type === "BotStartedSpeakingFrame") send(ctx, ports, "bot_started", monoUs());
    }),
  }));
}
