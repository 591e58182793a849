// Drives RTVI processors through pipeline() with plain Subjects: `input` is the transport
// side (downstream in), `fromSink` is what the transport reports back upstream; `inside`
// pushes frames from the middle of the pipeline, where STT, LLM and TTS would sit.

import { Subject, tap, VirtualTimeScheduler } from "rxjs";
import { counterIds, createFrame, isFrame, type Frame } from "../../../../lib/frames/index.ts";
import { createContext, type ProcessorContext } from "../../../../lib/pipeline/context.ts";
import { pipeline } from "../../../../lib/pipeline/pipeline.ts";
import { processor, type Processor, type ProcessorPorts } from "../../../../lib/pipeline/processor.ts";
import { rtviProcessor, type RtviOptions } from "../../../../lib/processors/frameworks/rtvi/rtviProcessor.ts";

export interface Harness {
  readonly ctx: ProcessorContext;
  readonly input: Subject<Frame>;
  readonly fromSink: Subject<Frame>;
  /** Ports of a processor between the RTVI head and its observer. */
  readonly inside: ProcessorPorts;
  /** Frames that reached the sink, in order. */
  readonly toSink: Frame[];
  /** Frames that reached the source (upstream past the head), in order. */
  readonly toSource: Frame[];
  /** Frames that reached the middle processor going downstream. */
  readonly atMiddle: Frame[];
  /** Push an RTVI-labelled message from the client. */
  client(type: string, data?: unknown, id?: string): void;
  /** RTVI messages that reached the sink. */
  sent(): Record<string, unknown>[];
  /** Frames that reached the sink other than RTVI messages. */
  framesToSink(): Frame[];
}

export function harness(options: RtviOptions = {}, withObserver = true): Harness {
  // A virtual clock that stays at 0: timestamps are 1970-01-01T00:00:00.000Z.
  const ctx = createContext({ scheduler: new VirtualTimeScheduler(), ids: counterIds() });
  const rtvi = rtviProcessor(ctx, options);
  let inside!: ProcessorPorts;
  const atMiddle: Frame[] = [];
  const middle: Processor = processor("middle", (ports) => {
    inside = ports;
    return { down: tap((f: Frame) => atMiddle.push(f)) };
  });
  const chain = pipeline("test", withObserver ? [rtvi, middle, rtvi.observer] : [rtvi, middle]);
  const input = new Subject<Frame>();
  const fromSink = new Subject<Frame>();
  const ends = chain.link({ down: input, up: fromSink });
  const toSink: Frame[] = [];
  const toSource: Frame[] = [];
  ends.up.subscribe((f) => toSource.push(f));
  ends.down.subscribe((f) => toSink.push(f));
  const isMessage = (f: Frame) => isFrame(f, "OutputTransportMessageUrgentFrame");
  return {
    ctx,
    input,
    fromSink,
    inside,
    toSink,
    toSource,
    atMiddle,
    client(type, data, id) {
      const message = { label: "rtvi-ai", type, ...(id !== undefined ? { id } : {}), ...(data !== undefined ? { data } : {}) };
      input.next(createFrame(ctx.ids, "InputTransportMessageFrame", { message }));
    },
    sent: () =>
      toSink.filter(isMessage).map((f) => (f as Frame<"OutputTransportMessageUrgentFrame">).message as Record<string, unknown>),
    framesToSink: () => toSink.filter((f) => !isMessage(f)),
  };
}
