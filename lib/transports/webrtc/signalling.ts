// SmallWebRTC signalling: what POST/PATCH /api/offer and POST /webrtc/offer do, as plain
// methods the HTTP routes call. One signaller per server holds the live peers by pc_id.
//
//   offer without pc_id             new peer + transport; onTransport starts a session
//   offer with a live pc_id         renegotiation on the same peer (same pc_id, same session)
//   offer with pc_id + restart_pc   the old peer connection is closed and a new one takes
//                                   over the same transport, so the session carries on; the
//                                   answer has a new pc_id (Pipecat's client reconnects so)
//   restart_pc, pc_id not live      a new peer and session (the old one already ended)
//   pc_id not live, no restart_pc   NOT_FOUND
//   patch                           trickled candidates applied to the live peer, or NOT_FOUND
//
// The answer always carries our candidates (we do not trickle): gathering is awaited for
// up to `iceGatheringTimeoutMs` (10 s). A pc_id is forgotten when its transport closes.

import { randomUUID } from "node:crypto";
import { silentLogger, type Logger } from "../../pipeline/context.ts";
import {
  BadSdpError,
  parseOfferRequest,
  parsePatchRequest,
  parseSdp,
  SignallingError,
  type OfferRequest,
} from "./offerRequest.ts";
import { WebRTCPeer, type PeerOptions } from "./peer.ts";
import { WebRTCTransport, type WebRTCTransportOptions } from "./webrtcTransport.ts";

export interface TransportContext {
  readonly pcId: string;
  /** `request_data` of the offer, or the /start body the route passes for a session. */
  readonly requestData?: unknown;
  /** The /start session this peer belongs to, when the offer came through /sessions/{id}. */
  readonly sessionId?: string;
}

export interface WebRTCSignallerOptions {
  /** Starts a session on a new transport. Called once per new peer, never for renegotiation or restart. */
  readonly onTransport: (transport: WebRTCTransport, context: TransportContext) => void;
  readonly peer?: PeerOptions;
  /** Per-session transport options (ids, logger, rates…). */
  readonly transportOptions?: (context: TransportContext) => WebRTCTransportOptions;
  /** @defaultValue 10000 */
  readonly iceGatheringTimeoutMs?: number;
  readonly log?: Logger;
  readonly newPcId?: () => string;
}

export interface OfferAnswer {
  readonly sdp: string;
  readonly type: "answer";
  readonly pc_id: string;
}

export interface OfferExtras {
  readonly sessionId?: string;
  /** Used when the offer has no request_data of its own (the stored /start body). */
  readonly requestData?: unknown;
}

interface LivePeer {
  readonly peer: WebRTCPeer;
  readonly transport: WebRTCTransport;
  /** Offers on one peer are applied one at a time. */
  busy: Promise<unknown>;
}

export class WebRTCSignaller {
  private readonly opts: WebRTCSignallerOptions;
  private readonly live = new Map<string, LivePeer>();
  private readonly log: Logger;

  constructor(options: WebRTCSignallerOptions) {
    this.opts = options;
    this.log = options.log ?? silentLogger;
  }

  /** Live peers (pc_ids), for /status and leak checks. */
  get size(): number {
    return this.live.size;
  }

  has(pcId: string): boolean {
    return this.live.has(pcId);
  }

  /** The transport a live pc_id feeds (restart_pc keeps it across pc_ids). */
  transportOf(pcId: string): WebRTCTransport | undefined {
    return this.live.get(pcId)?.transport;
  }

  /** POST /api/offer. Throws SignallingError (BAD_REQUEST, NOT_FOUND, VALIDATION_ERROR). */
  async offer(body: unknown, extras: OfferExtras = {}): Promise<OfferAnswer> {
    const request = parseOfferRequest(body);
    const existing = request.pcId === undefined ? undefined : this.live.get(request.pcId);
    if (request.pcId !== undefined && !existing && !request.restartPc) {
      throw new SignallingError("NOT_FOUND", `no live peer connection with pc_id ${JSON.stringify(request.pcId)}`, "pc_id");
    }
    if (existing && !request.restartPc) return this.renegotiate(request.pcId as string, existing, request.sdp);
    if (existing) return this.restart(request.pcId as string, existing, request.sdp);
    return this.connect(request, extras);
  }

  /** PATCH /api/offer: applies trickled candidates. Resolves {status:"success"}. */
  async patch(body: unknown): Promise<{ status: "success" }> {
    const request = parsePatchRequest(body);
    const live = this.live.get(request.pcId);
    if (!live) throw new SignallingError("NOT_FOUND", `no live peer connection with pc_id ${JSON.stringify(request.pcId)}`, "pc_id");
    for (const candidate of request.candidates) {
      try {
        await live.peer.addIceCandidate(candidate);
      } catch (error) {
        throw new SignallingError("BAD_REQUEST", `ICE candidate rejected: ${messageOf(error)}`, "candidates");
      }
    }
    return { status: "success" };
  }

  /**
   * POST /webrtc/offer (the Go contract): the offer is a JSON string of {type, sdp} (raw SDP
   * is accepted too), the answer a JSON string of {type:"answer", sdp}. Always a new session.
   */
  async legacyOffer(offer: unknown, extras: OfferExtras = {}): Promise<string> {
    if (typeof offer !== "string") throw new SignallingError("VALIDATION_ERROR", "offer must be a string", "offer");
    const answer = await this.connect({ sdp: parseSdp(offer), restartPc: false }, extras);
    return JSON.stringify({ type: "answer", sdp: answer.sdp });
  }

  /** Closes every live peer (server shutdown). */
  async closeAll(reason = "server shutting down"): Promise<void> {
    const transports = new Set([...this.live.values()].map((l) => l.transport));
    await Promise.all([...transports].map((t) => t.close(reason)));
    this.live.clear();
  }

  private async connect(request: OfferRequest, extras: OfferExtras): Promise<OfferAnswer> {
    const pcId = (this.opts.newPcId ?? randomUUID)();
    const requestData = request.requestData ?? extras.requestData;
    const context: TransportContext = {
      pcId,
      ...(requestData !== undefined && { requestData }),
      ...(extras.sessionId !== undefined && { sessionId: extras.sessionId }),
    };
    const transport = new WebRTCTransport(this.opts.transportOptions?.(context) ?? { log: this.log });
    const peer = new WebRTCPeer(this.opts.peer);
    transport.attachPeer(peer);
    let sdp: string;
    try {
      sdp = await this.answer(peer, request.sdp);
    } catch (error) {
      await transport.close("offer rejected");
      throw error;
    }
    this.track(pcId, { peer, transport, busy: Promise.resolve() });
    try {
      this.opts.onTransport(transport, context);
    } catch (error) {
      await transport.close("the session could not start");
      throw error;
    }
    return { sdp, type: "answer", pc_id: pcId };
  }

  private async renegotiate(pcId: string, live: LivePeer, offerSdp: string): Promise<OfferAnswer> {
    const run = live.busy.then(() => this.answer(live.peer, offerSdp));
    live.busy = run.catch(() => undefined);
    return { sdp: await run, type: "answer", pc_id: pcId };
  }

  private async restart(oldPcId: string, live: LivePeer, offerSdp: string): Promise<OfferAnswer> {
    const pcId = (this.opts.newPcId ?? randomUUID)();
    const peer = new WebRTCPeer(this.opts.peer);
    let sdp: string;
    try {
      sdp = await this.answer(peer, offerSdp);
    } catch (error) {
      await peer.close();
      throw error;
    }
    this.live.delete(oldPcId);
    live.transport.attachPeer(peer); // closes the old peer connection
    this.track(pcId, { peer, transport: live.transport, busy: Promise.resolve() });
    this.log.info({ oldPcId, pcId }, "peer connection restarted");
    return { sdp, type: "answer", pc_id: pcId };
  }

  private async answer(peer: WebRTCPeer, offerSdp: string): Promise<string> {
    try {
      return await peer.answer(offerSdp, this.opts.iceGatheringTimeoutMs ?? 10_000);
    } catch (error) {
      throw new BadSdpError(messageOf(error));
    }
  }

  private track(pcId: string, live: LivePeer): void {
    this.live.set(pcId, live);
    void live.transport.closed.then(() => {
      if (this.live.get(pcId)?.transport === live.transport) this.live.delete(pcId);
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
