// RTVI 2.1.0, the protocol of the Pipecat client SDKs.
//
// Two processors share one session's RTVI state:
//   head      placed right after the transport input. Downstream it consumes RTVI-labelled
//             InputTransportMessageFrames and acts on them (handlers.ts); upstream it sees
//             what travels toward the source (ErrorFrames above all) and reports it.
//   observer  placed just before the transport sink. It sees every frame the pipeline sends
//             out (transcripts, LLM text, TTS state, metrics) and what the transport reports
//             back upstream (bot started/stopped speaking), and reports those as RTVI events.
// A frame both see is reported once. Without the observer the head still reports what passes
// it, which misses everything produced further down; `withRtvi` places both.
//
// Everything sent to the client is an OutputTransportMessageUrgentFrame carrying the full
// RTVI object, sent downstream toward the sink. RTVIServerMessageFrames are turned into
// `server-message` and go no further. Non-RTVI transport messages pass untouched.

import { filter, type OperatorFunction } from "rxjs";
import { z } from "zod";
import pkg from "../../../../package.json" with { type: "json" };
import { createFrame, type Frame } from "../../../frames/index.ts";
import type { ProcessorContext } from "../../../pipeline/context.ts";
import { pipeline, type Pipeline } from "../../../pipeline/pipeline.ts";
import { processor, type Processor, type ProcessorPorts } from "../../../pipeline/processor.ts";
import { definePlugin } from "../../../pipeline/registry.ts";
import { lanes } from "../../../operators/lanes.ts";
import { hasRtviLabel } from "../../../serializers/rtvi/protocol.ts";
import { handleClientMessage, type ClientMessageHandler, type HandlerEnv } from "./handlers.ts";
import type { RtviMessage } from "./messages.ts";
import { observeFrame } from "./observer.ts";
import { createRtviState, type RtviState } from "./state.ts";

export const rtviOptions = z.object({
  library_version: z.string().default(pkg.version).describe("reported in bot-ready about.library_version"),
  unhandled_client_messages: z
    .enum(["error", "forward"])
    .default("error")
    .describe('a client-message with no handler: "error" replies error-response; "forward" leaves the reply to the pipeline'),
});

export interface RtviOptions extends Partial<z.input<typeof rtviOptions>> {
  /** Synchronous answers to `client-message {t, d}`, by `t`; the result is sent as server-response. */
  readonly clientMessageHandlers?: Readonly<Record<string, ClientMessageHandler>>;
}

export interface RtviProcessor extends Processor {
  /** The tail half: place it last in the session pipeline, just before the sink. */
  readonly observer: Processor;
}

/** Passes each frame on and sends the events it produces downstream after it. */
function reporting(state: RtviState, toClient: (m: RtviMessage) => Frame): (frame: Frame) => Frame | Frame[] {
  return (frame) => {
    const messages = observeFrame(frame, state);
    // An RTVIServerMessageFrame is consumed: its server-message replaces it.
    const consumed = frame.type === "RTVIServerMessageFrame";
    if (messages.length === 0) return consumed ? [] : frame;
    const events = messages.map(toClient);
    return consumed ? events : [frame, ...events];
  };
}

/** Upstream: frames continue toward the source; their events turn around toward the sink. */
function reportingUp(state: RtviState, toClient: (m: RtviMessage) => Frame, ports: ProcessorPorts): OperatorFunction<Frame, Frame> {
  return filter((frame) => {
    for (const message of observeFrame(frame, state)) ports.pushDown(toClient(message));
    return frame.type !== "RTVIServerMessageFrame";
  });
}

export function rtviProcessor(ctx: ProcessorContext, options: RtviOptions = {}): RtviProcessor {
  const opts = rtviOptions.parse(options);
  const state = createRtviState();
  const log = ctx.log.child({ processor: "rtvi" });
  const toClient = (message: RtviMessage): Frame => createFrame(ctx.ids, "OutputTransportMessageUrgentFrame", { message });
  const report = reporting(state, toClient);

  const head = processor("rtvi", (ports) => {
    const env: HandlerEnv = {
      ctx,
      log,
      state,
      about: { library: "voxray", library_version: opts.library_version },
      clientMessageHandlers: options.clientMessageHandlers ?? {},
      unhandledClientMessages: opts.unhandled_client_messages,
      pushUp: ports.pushUp,
    };
    const onSystem = (frame: Frame): Frame | Frame[] => {
      if (frame.type !== "InputTransportMessageFrame") return report(frame);
      if (!hasRtviLabel(frame.message)) {
        log.debug({ event: "rtvi_ignored" }, "transport message without the rtvi-ai label passed on");
        return frame;
      }
      return handleClientMessage(frame.message, env);
    };
    return { down: lanes({ system: onSystem, data: report }), up: reportingUp(state, toClient, ports) };
  });

  const observer = processor("rtvi_observer", (ports) => ({
    down: lanes({ system: report, data: report }),
    up: reportingUp(state, toClient, ports),
  }));

  return Object.assign(head, { observer });
}

/** `processors` wrapped in RTVI: the head first, the observer last. */
export function withRtvi(ctx: ProcessorContext, processors: readonly Processor[], options: RtviOptions = {}): Pipeline {
  const rtvi = rtviProcessor(ctx, options);
  return pipeline("rtvi_session", [rtvi, ...processors, rtvi.observer]);
}

/**
 * The `rtvi` plugin for config-driven pipelines. It places the head only (a plugin is one
 * processor); sessions that want every server event wrap their pipeline with `withRtvi`.
 */
export const rtviPlugin = definePlugin({
  name: "rtvi",
  description: "speaks RTVI 2.1.0 with Pipecat client SDKs (handshake, client messages, server events)",
  options: rtviOptions,
  create: (ctx, options) => rtviProcessor(ctx, options),
});
