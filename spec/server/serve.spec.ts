// serve(): start-up checks, binding, isolation between sessions, graceful shutdown (close()
// and SIGTERM), TLS.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map } from "rxjs";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config/load.ts";
import { PluginError, definePlugin } from "../../lib/pipeline/registry.ts";
import { processor } from "../../lib/pipeline/processor.ts";
import { builtinRegistry } from "../../lib/processors/builtins.ts";
import { createLogger } from "../../lib/server/logging.ts";
import { serve } from "../../lib/server/serve.ts";
import { PassThrough } from "node:stream";
import { missingPrograms } from "../support/programs.ts";
import { audioMs, connect, isJsonType, jsonAudio, sleep, startServer, tone, type TestServer } from "./harness.ts";

describe("serve() start-up", () => {
  it("refuses an unknown plugin with a clear error before listening", async () => {
    const config = parseConfig({ host: "127.0.0.1", port: 0, log_level: "silent", plugins: ["ecko"] });
    const started = serve(config, { handleSignals: false, print: () => {} });
    await expect(started).rejects.toBeInstanceOf(PluginError);
    await expect(started).rejects.toThrow(/unknown plugin "ecko" \(did you mean "echo"\?\)/);
  });

  it("runs extensions before listening, so their routes and sockets are there from the start", async () => {
    const server = await startServer(
      {},
      {
        extensions: [
          ({ http, sessions }) => {
            http.route("GET", "/hello", () => ({ sessions: sessions.size }), { auth: true });
          },
        ],
      },
    );
    const res = await fetch(`${server.url}/api/v1/hello`);
    expect(await res.json()).toMatchObject({ data: { sessions: 0 } });
    await server.close();
  });

  it("binds localhost as 127.0.0.1 and prints one line with the URL", async () => {
    const lines: string[] = [];
    const config = parseConfig({ host: "localhost", port: 0, log_level: "silent" });
    const server = await serve(config, { handleSignals: false, print: (l) => lines.push(l) });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(lines).toEqual([`Voxray listening on ${server.url}`]);
    await server.close();
  });
});

describe("logging", () => {
  it("writes one JSON object per line; session lines carry session_id; no per-frame info lines", async () => {
    const out = new PassThrough();
    const lines: any[] = [];
    let pending = "";
    out.on("data", (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) lines.push(JSON.parse(line));
    });
    const server = await startServer({}, { logger: createLogger("info", out), warnings: ["unknown key \"prot\""], configSource: "test.json" });
    const client = await connect(`${server.wsUrl}/ws`);
    for (let i = 0; i < 50; i++) client.send(jsonAudio(tone(20)));
    await client.waitFor(() => audioMs(client.json()) >= 990);
    client.close();
    await client.closed;
    await server.close();
    expect(lines.find((l) => l.event === "config_warning")?.msg).toBe('unknown key "prot"');
    expect(lines.find((l) => l.event === "config")?.source).toBe("test.json");
    const sessionLines = lines.filter((l) => ["ws_connected", "session_start", "session_end"].includes(l.event));
    expect(sessionLines).toHaveLength(3);
    const ids = new Set(sessionLines.map((l) => l.session_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
    // 50 audio frames in, ~50 out: the info log stays a handful of lines.
    expect(lines.length).toBeLessThan(15);
  });
});

describe("session isolation", () => {
  let server: TestServer;
  beforeAll(async () => {
    // "bomb" throws inside its operator when it sees the text "boom".
    const registry = builtinRegistry().register(
      definePlugin({
        name: "bomb",
        description: "fails on demand",
        options: z.object({}),
        create: () =>
          processor("bomb", () => ({
            down: map((f) => {
              if (f.type === "TextFrame" && f.text === "boom") throw new Error("boom");
              return f;
            }),
          })),
      }),
    );
    server = await startServer({ plugins: ["bomb", "echo"] }, { registry });
  });
  afterAll(() => server.close());

  it("a failing session ends alone; the other keeps echoing", async () => {
    const victim = await connect(`${server.wsUrl}/ws`);
    const bystander = await connect(`${server.wsUrl}/ws`);
    victim.send(JSON.stringify({ type: "TextFrame", data: { text: "boom" } }));
    const { code } = await victim.closed;
    expect(code).toBe(1000);
    bystander.send(jsonAudio(tone(100)));
    await bystander.waitFor(isJsonType("OutputAudioRawFrame"));
    expect(server.sessions.size).toBe(1);
    const ended = await server.metrics.registry.getSingleMetricAsString("voxray_sessions_total");
    expect(ended).toContain('reason="error"');
    bystander.close();
    await bystander.closed;
  });
});

describe("graceful shutdown", () => {
  it("close(): sessions play out their queued audio, then close with 1001; the server stops", async () => {
    const server = await startServer({});
    const a = await connect(`${server.wsUrl}/ws`);
    const b = await connect(`${server.wsUrl}/ws`);
    a.send(jsonAudio(tone(600)));
    await a.waitFor(isJsonType("OutputAudioRawFrame"));
    await server.close();
    const [closedA, closedB] = await Promise.all([a.closed, b.closed]);
    expect([1000, 1001]).toContain(closedA.code);
    expect([1000, 1001]).toContain(closedB.code);
    // The EndFrame let a's queue play out: all 600 ms arrived before the close.
    expect(audioMs(a.json())).toBeGreaterThan(590);
    expect(server.sessions.size).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it("SIGTERM: ends sessions and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/serveChild.ts")], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, VOXRAY_LOG_LEVEL: "silent" },
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const client = await connect(`${url.replace("http", "ws")}/ws`);
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const { code } = await client.closed;
    expect([1000, 1001]).toContain(code);
    expect(await exit).toBe(0);
  }, 15_000);
});

const noOpenssl = missingPrograms({ openssl: "openssl" });

describe.skipIf(noOpenssl)("TLS", () => {
  it("serves HTTPS and WSS when tls_enable, cert and key are set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voxray-tls-"));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], {
      stdio: "ignore",
    });
    const server = await startServer({ tls_enable: true, tls_cert_file: cert, tls_key_file: key });
    expect(server.url).toMatch(/^https:\/\//);
    const client = await connect(`${server.wsUrl}/ws`, { rejectUnauthorized: false });
    client.send(jsonAudio(tone(80)));
    await client.waitFor(isJsonType("OutputAudioRawFrame"));
    client.close();
    await client.closed;
    await server.close();
    await sleep(10);
  });
});
