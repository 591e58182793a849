// `npm run bench:fuzz`: random and mutated inputs to every parser a client can reach.
//
// In this process: the JSON envelope, protobuf, RTVI (through the RTVI processor), SDP and
// signalling bodies, and config (parseConfig, loadConfig with environment overrides); see
// fuzz/parsers.ts. Over the wire, against the real server in a child process: HTTP requests to
// its JSON routes and WebSocket sessions fed garbage; see fuzz/wire.ts. Meanwhile a witness
// session nobody fuzzes runs echo and must get back exactly what it sent.
//
// A crash is an exception other than the parser's documented error type, an HTTP 500, a 1011
// close, an unhandled rejection or uncaught exception (here or in the server), or the server
// process dying. Exit 1 on any crash or an affected witness; 0 otherwise.
//
//   --inputs 100000   total inputs, split over the targets (json 25 %, protobuf 20 %, rtvi 15 %,
//                     sdp 14 %, config 9 %, http 8 %, ws 9 %)
//   --seed N          reproduce a run (default: from the clock, printed)

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { offerSdp } from "./fuzz/corpus.ts";
import { configTarget, Crash, jsonTarget, protobufTarget, rtviTarget, sdpTarget, type ParserTarget } from "./fuzz/parsers.ts";
import { Rng } from "./fuzz/random.ts";
import { fuzzHttp, fuzzWebSocket, Witness, type WireCrash } from "./fuzz/wire.ts";

const { values } = parseArgs({ options: { inputs: { type: "string", default: "100000" }, seed: { type: "string" } } });
const TOTAL = Number(values.inputs);
const SEED = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const SHARES = { json: 0.25, protobuf: 0.2, rtvi: 0.15, sdp: 0.14, config: 0.09, http: 0.08, ws: 0.09 } as const;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface Row {
  readonly target: string;
  readonly inputs: number;
  readonly rejected: number;
  readonly crashes: number;
  readonly ms: number;
  readonly note: string;
}

const crashes: WireCrash[] = [];
let current = "setup";
process.on("unhandledRejection", (reason) => crashes.push({ target: current, input: "(unhandled rejection)", error: String((reason as Error)?.stack ?? reason) }));
process.on("uncaughtException", (error) => crashes.push({ target: current, input: "(uncaught exception)", error: String(error.stack ?? error) }));

interface ServerChild {
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  stop(): Promise<void>;
}

async function startServer(): Promise<ServerChild> {
  const script = fileURLToPath(new URL("./fuzz/serverChild.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-4000)));
  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  void exited.then((e) => {
    if (!stopping) crashes.push({ target: `server process (during ${current})`, input: "", error: `exited with ${e.code ?? e.signal}: ${e.stderr.slice(-1500)}` });
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { type?: string; url?: string }) => (m.type === "ready" && m.url ? resolve(m.url) : reject(new Error("bad ready message"))));
    void exited.then((e) => reject(new Error(`fuzz server did not start: ${e.stderr}`)));
  });
  return {
    url,
    exited,
    async stop() {
      stopping = true;
      child.send({ cmd: "stop" });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Feeds `count` inputs, yielding to the event loop every few ms so the witness keeps flowing. */
async function runParser(target: ParserTarget, rng: Rng, count: number): Promise<Row> {
  current = target.name;
  const started = performance.now();
  let rejected = 0;
  let found = 0;
  let slice = performance.now();
  for (let i = 0; i < count; i++) {
    try {
      if (target.run(rng) === "rejected") rejected++;
    } catch (error) {
      found++;
      const c = error instanceof Crash ? error : new Crash(target.name, target.lastInput(), error);
      const cause = c.cause instanceof Error ? (c.cause.stack ?? c.cause.message).split("\n").slice(0, 4).join(" | ") : String(c.cause);
      crashes.push({ target: c.target, input: c.input, error: cause });
    }
    if (performance.now() - slice > 5) {
      await new Promise((r) => setImmediate(r));
      slice = performance.now();
    }
  }
  target.close?.();
  return { target: target.name, inputs: count, rejected, crashes: found, ms: performance.now() - started, note: "" };
}

async function main(): Promise<number> {
  log(`# Voxray fuzz · ${new Date().toISOString()} · node ${process.version} · seed ${SEED} · ${TOTAL} inputs`);
  const rng = new Rng(SEED);
  const offer = await offerSdp();
  const server = await startServer();
  const witness = new Witness();
  await witness.start(server.url);
  const rows: Row[] = [];
  const share = (k: keyof typeof SHARES): number => Math.round(TOTAL * SHARES[k]);

  rows.push(await runParser(jsonTarget(), rng, share("json")));
  rows.push(await runParser(protobufTarget(), rng, share("protobuf")));
  rows.push(await runParser(rtviTarget(), rng, share("rtvi")));
  rows.push(await runParser(sdpTarget(offer), rng, share("sdp")));
  rows.push(await runParser(configTarget(), rng, share("config")));

  for (const [name, run] of [
    ["http", () => fuzzHttp(rng, server.url, offer, share("http"))],
    ["ws", () => fuzzWebSocket(rng, server.url, share("ws"))],
  ] as const) {
    current = name;
    const started = performance.now();
    const result = await run();
    crashes.push(...result.crashes);
    rows.push({
      target: name,
      inputs: result.inputs,
      rejected: result.rejected,
      crashes: result.crashes.length,
      ms: performance.now() - started,
      note: `${result.accepted !== undefined ? `${result.accepted} answered 2xx; ` : ""}${result.resets} resets/abnormal closes (informational)`,
    });
  }

  current = "witness";
  const affected = await witness.finish();
  await server.stop();

  const totalInputs = rows.reduce((n, r) => n + r.inputs, 0);
  log("");
  log("| target | inputs | rejected (documented error / 4xx) | crashes | time s | note |");
  log("|---|---|---|---|---|---|");
  for (const r of rows) log(`| ${r.target} | ${r.inputs} | ${r.rejected} | ${r.crashes} | ${(r.ms / 1000).toFixed(1)} | ${r.note} |`);
  log("");
  log(`inputs tried ${totalInputs} · crashes ${crashes.length} · sessions affected other than the one fed: ${affected ? 1 : 0}`);
  log(
    `witness: ${witness.seconds.toFixed(0)} s of echo, longest gap between echoed chunks ${witness.maxGapMs.toFixed(0)} ms, ` +
      (affected ? `AFFECTED: ${affected}` : "every sample came back, in order"),
  );
  for (const c of crashes.slice(0, 20)) log(`CRASH ${c.target}: ${c.error}\n      input: ${c.input}`);
  if (crashes.length > 20) log(`… and ${crashes.length - 20} more`);
  log(crashes.length === 0 && !affected ? "PASS" : "FAIL");
  return crashes.length === 0 && !affected ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fuzz harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
