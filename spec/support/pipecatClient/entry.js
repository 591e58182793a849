// Browser entry for the Pipecat client specs: Pipecat's own client and transports, as npm
// ships them, on `window.Pipecat`. Bundled with esbuild at test time (bundle.ts).
import { PipecatClient } from "@pipecat-ai/client-js";
import { SmallWebRTCTransport, WavMediaManager } from "@pipecat-ai/small-webrtc-transport";
import { WebSocketTransport, WavMediaManager as WebSocketWavMediaManager } from "@pipecat-ai/websocket-transport";

window.Pipecat = { PipecatClient, SmallWebRTCTransport, WavMediaManager, WebSocketTransport, WebSocketWavMediaManager };
