// The server the fuzzer attacks over the wire, in its own process so that a crash (an uncaught
// exception or unhandled rejection ends a Node process) is seen as one: the real serve() with
// its real extensions (WebRTC signalling and the runner's /start and /sessions routes), and the
// echo pipeline playing the microphone back live (turn_detection "none"), which the witness uses.
//
// Peers are loopback-only, and a peer that never connects ends its session after 2 s, so the
// offers that negotiate do not pile up sessions for the rest of the run.

import { parseConfig } from "../../../lib/config/load.ts";
import { runnerExtension } from "../../../lib/server/runnerRoutes.ts";
import { serve } from "../../../lib/server/serve.ts";
import { createWebrtcExtension } from "../../../lib/server/webrtcRoutes.ts";

const server = await serve(
  parseConfig({
    host: "127.0.0.1",
    port: 0,
    log_level: "silent",
    transport: "both",
    plugins: ["echo"],
    turn_detection: "none",
    ws_session_timeout_secs: 0,
  }),
  {
    handleSignals: false,
    print: () => {},
    shutdownTimeoutMs: 2_000,
    extensions: [
      createWebrtcExtension({ peer: { loopbackOnly: true }, iceGatheringTimeoutMs: 2_000, transport: { connectTimeoutMs: 2_000 } }),
      runnerExtension,
    ],
  },
);

process.on("message", (message: { cmd?: string }) => {
  if (message.cmd === "stop") void server.close().then(() => process.exit(0));
});
process.on("disconnect", () => void server.close().then(() => process.exit(0)));
process.send?.({ type: "ready", url: server.url });
