// The transport contract: the only thing between the network and a session's pipeline.

import type { Observable } from "rxjs";
import type { Frame } from "../frames/index.ts";

export interface Transport {
  /** "websocket", "webrtc", "memory", … */
  readonly kind: string;
  /**
   * Frames from the peer. Hot: frames arrive whether or not anyone listens, and nothing
   * is replayed. Completes when the peer disconnects; errors only on a transport failure.
   */
  readonly input$: Observable<Frame>;
  /**
   * Frames the output side reports once it has really acted on them: BotStartedSpeaking
   * when the first bot audio is written, BotStoppedSpeaking when the last has played out.
   * Hot; completes when the transport closes. The runner sends them upstream from the sink.
   */
  readonly events$: Observable<Frame>;
  /**
   * Hands a frame to the peer (serialized; audio paced at real time). An InterruptionFrame
   * drops queued audio and tells the peer to clear; an EndFrame resolves `drained` once
   * queued output has been written.
   */
  send(frame: Frame): void;
  /** Resolves when output queued before an EndFrame has been written. */
  drained(): Promise<void>;
  /** Stop and start reading from the peer (backpressure). */
  pauseReads(): void;
  resumeReads(): void;
  /** Close the connection. Idempotent. */
  close(reason?: string): Promise<void>;
}
