// One Voxray instance of the scale-out bench, in its own process (pinned to a core by the
// parent): the real serve() with `session_store: "redis"`, the runner routes (/start and
// /sessions/{id}/api/offer) under a random key prefix, and the echo plugin as its pipeline,
// so no provider is needed.
//
//   spawned by spec/bench/scaleOut.ts; options as JSON in SCALE_INSTANCE_OPTIONS (protocol.ts)
//
// It counts the Redis commands its own client sends: INFO commandstats on the Redis side counts
// every client of that server, and the two agree unless someone else is using the same Redis
// (the parent says so when they do not). It also keeps the server's own duration of each
// POST /start and offer (what it records in its HTTP histogram: request handled → response
// closed), free of the delays of the busy client process.

import { Redis } from "ioredis";
import { parseConfig } from "../../../lib/config/load.ts";
import { createRunnerExtension } from "../../../lib/server/runnerRoutes.ts";
import { serve } from "../../../lib/server/serve.ts";
import { createWebrtcExtension } from "../../../lib/server/webrtcRoutes.ts";
import type { InstanceCommand, InstanceOptions, InstanceReply } from "./protocol.ts";

type Observe = (method: string, route: string, status: number, seconds: number) => void;

const options = JSON.parse(process.env["SCALE_INSTANCE_OPTIONS"] ?? "{}") as InstanceOptions;
const reply = (message: InstanceReply): void => {
  process.send?.(message);
};

// Every command of every ioredis client in this process goes through sendCommand (the store
// has one client). Counting here, before the command is queued, includes commands that fail.
const counts: Record<string, number> = {};
let redisMs: number[] = [];
type SendCommand = (this: Redis, command: { name: string }, ...rest: unknown[]) => unknown;
const prototype = Redis.prototype as unknown as { sendCommand: SendCommand };
const send = prototype.sendCommand;
prototype.sendCommand = function (this: Redis, command, ...rest) {
  const name = command.name.toLowerCase();
  counts[name] = (counts[name] ?? 0) + 1;
  const sent = performance.now();
  const result = send.call(this, command, ...rest);
  const done = (): void => void redisMs.push(performance.now() - sent);
  if (result instanceof Promise) result.then(done, done);
  return result;
};

const config = parseConfig({
  host: "127.0.0.1",
  port: 0,
  log_level: "error",
  transport: "smallwebrtc",
  session_store: "redis",
  redis_url: options.redisUrl,
  webrtc_ice_servers: [],
  turn_detection: "none",
  plugins: ["echo"],
});
const server = await serve(config, {
  handleSignals: false,
  print: () => {},
  shutdownTimeoutMs: 3_000,
  // Loopback-only peers, as on one machine; no static client.
  extensions: [createWebrtcExtension({ peer: { loopbackOnly: true } }), createRunnerExtension({ redisKeyPrefix: options.keyPrefix })],
});

let startMs: number[] = [];
let offerMs: number[] = [];
const http = server.metrics.http as { observe: Observe };
const observe = http.observe.bind(http);
http.observe = (method, route, status, seconds) => {
  observe(method, route, status, seconds);
  if (method !== "POST") return;
  if (route === "start") startMs.push(seconds * 1000);
  else if (route === "session_offer") offerMs.push(seconds * 1000);
};

process.on("message", (raw: unknown) => {
  const command = raw as InstanceCommand;
  void (async () => {
    try {
      switch (command.cmd) {
        case "status": {
          const cpu = process.cpuUsage();
          reply({ type: "status", id: command.id, status: { sessions: server.sessions.size, commands: { ...counts }, cpuUs: cpu.user + cpu.system } });
          return;
        }
        case "timings":
          reply({ type: "timings", id: command.id, timings: { start: startMs, offer: offerMs, redis: redisMs } });
          startMs = [];
          offerMs = [];
          redisMs = [];
          return;
        case "stop":
          await server.close();
          reply({ type: "stopped", id: command.id });
          process.disconnect?.();
          return;
      }
    } catch (error) {
      reply({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});

process.on("disconnect", () => {
  void server.close().then(() => process.exit(0));
});

reply({ type: "ready", url: server.url, pid: process.pid });
