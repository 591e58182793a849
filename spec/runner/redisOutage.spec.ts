// Redis going away and coming back, on a private redis-server child process: while it is
// down, ping() and session creation fail fast with SessionStoreUnavailableError (routes
// answer 503) and ending a session does not throw; once it is back the same store works
// again without being rebuilt.

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { RedisSessionStore } from "../../lib/runner/redisSessionStore.ts";
import { forgetSession } from "../../lib/runner/sessionOffer.ts";
import { SessionStoreUnavailableError } from "../../lib/runner/sessionStore.ts";
import { startSession } from "../../lib/runner/startSession.ts";
import { missingPrograms } from "../support/programs.ts";

const skip = missingPrograms({ "redis-server": "redis-server" });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (output.includes("Ready to accept connections")) resolve(child);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

async function unavailable(promise: Promise<unknown>): Promise<SessionStoreUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    return error as SessionStoreUnavailableError;
  }
  throw new Error("expected the store to be unavailable");
}

describe.skipIf(skip)(`RedisSessionStore outage (${skip ?? "private redis-server"})`, () => {
  const children: ChildProcess[] = [];
  let store: RedisSessionStore | undefined;
  afterAll(async () => {
    await store?.close();
    for (const child of children) await stopRedis(child);
  });

  it("fails fast while Redis is down and recovers by itself when it is back", async () => {
    const port = await freePort();
    children.push(await startRedis(port));
    const url = `redis://127.0.0.1:${port}`;
    store = new RedisSessionStore({ url, unavailableAfterMs: 500 });
    await store.ping();
    const before = await startSession({ store }, { body: { n: 1 } });

    await stopRedis(children[0] as ChildProcess);

    const pingError = await unavailable(store.ping());
    expect(pingError.code).toBe("SERVICE_UNAVAILABLE");
    expect(pingError.message).toMatch(new RegExp(`^session store unavailable: could not ping in Redis at redis://127\\.0\\.0\\.1:${port}`));
    const createError = await unavailable(startSession({ store }, { body: { n: 2 } }));
    expect(createError.message).toMatch(/could not create a session/);
    await unavailable(startSession({ store }, {}, "idem-during-outage"));
    // Ending a session during the outage logs and moves on: it never rejects.
    const warnings: unknown[] = [];
    const log = { debug() {}, info() {}, warn: (o: unknown) => warnings.push(o), error() {}, child: () => log };
    await expect(forgetSession(store, before.body.sessionId, log)).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);

    children.push(await startRedis(port));
    const until = performance.now() + 5000;
    let recovered = false;
    while (!recovered && performance.now() < until) {
      recovered = await store.ping().then(
        () => true,
        () => false,
      );
    }
    expect(recovered).toBe(true);
    const after = await startSession({ store }, { body: { n: 3 } });
    expect(await store.get(after.body.sessionId)).toMatchObject({ body: { n: 3 } });
  });
});
