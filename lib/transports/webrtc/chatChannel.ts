// The "chat" data channel of a SmallWebRTC session: RTVI JSON both ways, a keepalive, and
// signalling messages.
//
// Inbound text is one of
//   "ping: <ms>"                                   keepalive, sent by the client every 1 s
//   {"type":"signalling","message":{"type":…}}     trackStatus | renegotiate | peerLeft
//   any other JSON object                          an app/RTVI message for the pipeline
// Once the channel is open, `keepaliveTimeoutMs` (3 s) without a ping means
// the client is gone; that is how a closed browser tab is noticed, since ICE may report
// "connected" for a long while after the far end vanished.
//
// Outbound messages sent before the channel is open wait in a queue of at most 50 (the
// oldest are dropped past that); if the channel has not opened `openTimeoutMs` (10 s) after
// the first queued message, the queue is dropped with a warning.

import type { Subscription } from "rxjs";
import type { Logger } from "../../pipeline/context.ts";
import type { PeerChannel } from "./peer.ts";

export type SignallingMessage =
  | { readonly type: "trackStatus"; readonly receiver_index: number; readonly enabled: boolean }
  | { readonly type: "renegotiate" }
  | { readonly type: "peerLeft" };

export interface ChatChannelOptions {
  readonly log: Logger;
  /** A JSON object from the client (RTVI or app message). */
  readonly onMessage: (message: Record<string, unknown>) => void;
  readonly onSignalling: (message: SignallingMessage) => void;
  /** No ping for `keepaliveTimeoutMs` since the channel opened or the last ping, or the channel closed. */
  readonly onKeepaliveLost: () => void;
  /** @defaultValue 3000 */
  readonly keepaliveTimeoutMs?: number;
  /** @defaultValue 50 */
  readonly queueCap?: number;
  /** @defaultValue 10000 */
  readonly openTimeoutMs?: number;
}

export const CHAT_LABEL = "chat";
const PING = /^ping(?::|$)/;

export class ChatChannel {
  private readonly opts: ChatChannelOptions;
  private channel: PeerChannel | undefined;
  private subscriptions: Subscription[] = [];
  private readonly queue: string[] = [];
  private keepaliveTimer: ReturnType<typeof setTimeout> | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Outbound messages dropped (queue overflow or the channel never opened). */
  dropped = 0;

  constructor(options: ChatChannelOptions) {
    this.opts = options;
  }

  get isOpen(): boolean {
    return this.channel?.state === "open";
  }

  /** Uses this channel from now on (a restarted peer brings a new one). */
  attach(channel: PeerChannel): void {
    if (this.closed) return;
    this.detach();
    this.channel = channel;
    this.subscriptions.push(
      channel.messages$.subscribe((data) => this.receive(typeof data === "string" ? data : new TextDecoder().decode(data))),
      channel.state$.subscribe((state) => {
        if (state === "open") {
          this.flush();
          // A client on this channel pings every second from the moment it opens; one that
          // leaves before its first ping must be noticed too (ICE may go on reporting
          // "connected" for a peer that is gone), so the watch starts at open.
          this.armKeepalive();
        } else if (state === "closed" && this.channel === channel) {
          this.opts.log.info({}, "data channel closed by the client: disconnecting");
          this.clearKeepalive();
          this.opts.onKeepaliveLost();
        }
      }),
    );
  }

  /** Stops listening to the current channel (its peer is going away). */
  detach(): void {
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    this.channel = undefined;
    this.clearKeepalive();
  }

  /** Sends a message as JSON text (strings are taken to be JSON already); queues until open. */
  send(message: unknown): void {
    if (this.closed) return;
    const text = typeof message === "string" ? message : JSON.stringify(message);
    if (text === undefined) return;
    if (this.isOpen) {
      this.channel?.send(text);
      return;
    }
    const cap = this.opts.queueCap ?? 50;
    this.queue.push(text);
    if (this.queue.length > cap) {
      this.queue.shift();
      this.dropped++;
      this.opts.log.warn({ cap }, "data channel not open: outbound message queue full, dropped the oldest");
    }
    if (this.openTimer === undefined) {
      const limit = this.opts.openTimeoutMs ?? 10_000;
      this.openTimer = setTimeout(() => {
        this.openTimer = undefined;
        if (this.isOpen || this.queue.length === 0) return;
        this.dropped += this.queue.length;
        this.opts.log.warn({ dropped: this.queue.length }, `data channel did not open within ${limit} ms: dropped queued messages`);
        this.queue.length = 0;
      }, limit);
    }
  }

  sendSignalling(message: SignallingMessage): void {
    this.send({ type: "signalling", message });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    if (this.openTimer !== undefined) clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.queue.length = 0;
  }

  private flush(): void {
    if (this.openTimer !== undefined) clearTimeout(this.openTimer);
    this.openTimer = undefined;
    for (const text of this.queue.splice(0)) this.channel?.send(text);
  }

  private receive(text: string): void {
    if (PING.test(text)) {
      this.armKeepalive();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.opts.log.warn({ length: text.length }, "data channel message is neither a ping nor JSON: ignored");
      return;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      this.opts.log.warn({}, "data channel JSON is not an object: ignored");
      return;
    }
    const object = parsed as Record<string, unknown>;
    if (object.type === "signalling") {
      const signalling = parseSignalling(object.message);
      if (signalling) this.opts.onSignalling(signalling);
      else this.opts.log.warn({ message: object.message }, "unknown signalling message: ignored");
      return;
    }
    this.opts.onMessage(object);
  }

  private armKeepalive(): void {
    this.clearKeepalive();
    const limit = this.opts.keepaliveTimeoutMs ?? 3000;
    this.keepaliveTimer = setTimeout(() => {
      this.keepaliveTimer = undefined;
      this.opts.log.info({ timeoutMs: limit }, "no keepalive ping from the client: disconnecting");
      this.opts.onKeepaliveLost();
    }, limit);
  }

  private clearKeepalive(): void {
    if (this.keepaliveTimer !== undefined) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }
}

function parseSignalling(message: unknown): SignallingMessage | undefined {
  if (message === null || typeof message !== "object") return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case "trackStatus":
      if (typeof m.receiver_index !== "number" || typeof m.enabled !== "boolean") return undefined;
      return { type: "trackStatus", receiver_index: m.receiver_index, enabled: m.enabled };
    case "renegotiate":
    case "peerLeft":
      return { type: m.type };
    default:
      return undefined;
  }
}
