// Shared setup for the WebRTC specs: a loopback signaller that records the transports it
// starts, and one fake browser connected through it.

import { WebRTCSignaller, type TransportContext, type WebRTCSignallerOptions } from "../../../lib/transports/webrtc/signalling.ts";
import type { WebRTCTransport, WebRTCTransportOptions } from "../../../lib/transports/webrtc/webrtcTransport.ts";
import { FakeBrowser } from "./fakeBrowser.ts";

export interface Started {
  readonly transport: WebRTCTransport;
  readonly context: TransportContext;
}

export function loopbackSignaller(
  transportOptions: WebRTCTransportOptions = {},
  over: Partial<WebRTCSignallerOptions> = {},
): { signaller: WebRTCSignaller; started: Started[] } {
  const started: Started[] = [];
  const signaller = new WebRTCSignaller({
    peer: { loopbackOnly: true },
    transportOptions: () => transportOptions,
    onTransport: (transport, context) => started.push({ transport, context }),
    ...over,
  });
  return { signaller, started };
}

/** A browser connected (media and chat channel up) through the signaller. */
export async function connectBrowser(
  signaller: WebRTCSignaller,
  started: Started[],
): Promise<{ browser: FakeBrowser; transport: WebRTCTransport; pcId: string }> {
  const browser = new FakeBrowser();
  const { sdp } = await browser.offer();
  const answer = await signaller.offer({ sdp, type: "offer", pc_id: null, restart_pc: false });
  await browser.accept(answer.sdp);
  await browser.connected();
  await browser.chatOpen();
  const last = started.at(-1);
  if (!last) throw new Error("the signaller started no transport");
  return { browser, transport: last.transport, pcId: answer.pc_id };
}
