// SocketWriter: the single, ordered writer of one WebSocket.
//
// With coalescing on (`ws_write_coalesce_ms` > 0), non-audio messages written within the
// window are held in the kernel-side cork of the TCP socket and leave in one writev when
// the window closes or `maxFrames` messages have gathered. ws writes each message as
// header + payload, so an uncorked burst of N small messages costs up to 2N write calls;
// corked, it costs one. Paced audio uncorks first: its timing matters more than batching.

import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

export interface WriterOptions {
  /** Batching window for non-audio messages; 0 = write each at once. */
  readonly coalesceMs?: number;
  /** Most messages in one batch. @defaultValue 10 */
  readonly coalesceMaxFrames?: number;
}

export class SocketWriter {
  private corked = false;
  private batched = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly coalesceMs: number;
  private readonly maxFrames: number;
  /** Messages written, and batches flushed (for tests and metrics). */
  readonly counts = { messages: 0, batches: 0 };

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex | null,
    options: WriterOptions = {},
  ) {
    this.coalesceMs = socket ? Math.max(0, options.coalesceMs ?? 0) : 0;
    this.maxFrames = Math.max(1, options.coalesceMaxFrames ?? 10);
  }

  /** Bytes accepted by ws but not yet handed to the kernel. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  write(data: string | Uint8Array, urgent = false): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.counts.messages++;
    if (this.coalesceMs === 0 || urgent) {
      this.flush();
      this.send(data);
      return;
    }
    if (!this.corked) {
      this.socket!.cork();
      this.corked = true;
      this.batched = 0;
      this.timer = setTimeout(() => this.flush(), this.coalesceMs);
    }
    this.send(data);
    if (++this.batched >= this.maxFrames) this.flush();
  }

  /** Sends whatever is batched now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.corked) return;
    this.corked = false;
    this.counts.batches++;
    this.socket!.uncork();
  }

  private send(data: string | Uint8Array): void {
    // No callback: a failed write surfaces as the socket closing, which ends the session.
    this.ws.send(data, { binary: typeof data !== "string" });
  }
}
