// An in-process transport: tests and embedding use it to drive a session with frames.
// The "client" side pushes frames in and sees every frame the session sends out. Output
// audio is not paced (there is no clock to play against); BotStarted/StoppedSpeaking are
// reported around each run of output audio so the pipeline sees what a real transport says.

import { Subject, type Observable } from "rxjs";
import { createFrame, counterIds, isFrame, type Frame, type IdSource } from "../frames/index.ts";
import type { Transport } from "./transport.ts";

export interface MemoryClient {
  /** Push a frame into the session as if it came from the peer. */
  send(frame: Frame): void;
  /** Every frame the session sent, in order. */
  readonly received: Frame[];
  readonly received$: Observable<Frame>;
  /** The peer goes away: the session ends with a CancelFrame. */
  disconnect(): void;
  readonly paused: boolean;
  readonly closed: boolean;
}

export interface MemoryTransport extends Transport {
  readonly client: MemoryClient;
}

export function createMemoryTransport(ids: IdSource = counterIds(1_000_000)): MemoryTransport {
  const input = new Subject<Frame>();
  const events = new Subject<Frame>();
  const out = new Subject<Frame>();
  const received: Frame[] = [];
  let paused = false;
  let closed = false;
  let botSpeaking = false;

  const client: MemoryClient = {
    send: (frame) => {
      if (!closed) input.next(frame);
    },
    received,
    received$: out.asObservable(),
    disconnect: () => input.complete(),
    get paused() {
      return paused;
    },
    get closed() {
      return closed;
    },
  };

  const stopSpeaking = (): void => {
    if (!botSpeaking) return;
    botSpeaking = false;
    events.next(createFrame(ids, "BotStoppedSpeakingFrame", {}));
  };

  return {
    kind: "memory",
    input$: input.asObservable(),
    events$: events.asObservable(),
    client,
    send(frame) {
      if (closed) return;
      if (isFrame(frame, "OutputAudioRawFrame") && !botSpeaking) {
        botSpeaking = true;
        events.next(createFrame(ids, "BotStartedSpeakingFrame", {}));
      } else if (
        frame.type === "TTSStoppedFrame" ||
        frame.type === "InterruptionFrame" ||
        frame.type === "EndFrame" ||
        frame.type === "CancelFrame"
      ) {
        stopSpeaking();
      }
      received.push(frame);
      out.next(frame);
    },
    drained: () => Promise.resolve(),
    pauseReads: () => {
      paused = true;
    },
    resumeReads: () => {
      paused = false;
    },
    async close() {
      if (closed) return;
      closed = true;
      input.complete();
      events.complete();
      out.complete();
    },
  };
}
