// SocketWriter on a real loopback ws pair: with coalescing on, a burst of small messages
// leaves in few socket writes (corked, then one writev per batch), in order; with it off,
// every message is its own write. Audio ("urgent") flushes a pending batch first.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { SocketWriter } from "../../../lib/transports/websocket/writer.ts";

interface Pair {
  server: Server;
  serverWs: WebSocket;
  socket: Duplex;
  client: WebSocket;
  received: string[];
  /** Calls that handed data to the kernel (write or writev). */
  writes: () => number;
}

async function pair(): Promise<Pair> {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const accepted = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) =>
    server.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket }))),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const received: string[] = [];
  client.on("message", (d) => received.push(d.toString()));
  await new Promise((r) => client.once("open", r));
  const { ws, socket } = await accepted;
  let count = 0;
  const s = socket as Duplex & { _write: Function; _writev?: Function };
  const write = s._write.bind(s);
  s._write = (...args: unknown[]) => (count++, write(...args));
  if (s._writev) {
    const writev = s._writev.bind(s);
    s._writev = (...args: unknown[]) => (count++, writev(...args));
  }
  return { server, serverWs: ws, socket, client, received, writes: () => count };
}

const waitFor = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe("SocketWriter", () => {
  let p: Pair;
  afterEach(async () => {
    p.client.terminate();
    p.serverWs.terminate();
    await new Promise((r) => p.server.close(r));
  });

  it("without coalescing: one socket write per message", async () => {
    p = await pair();
    const writer = new SocketWriter(p.serverWs, p.socket, { coalesceMs: 0 });
    const before = p.writes();
    for (let i = 0; i < 30; i++) writer.write(`m${i}`);
    await waitFor(() => p.received.length === 30);
    expect(p.writes() - before).toBeGreaterThanOrEqual(30);
  });

  it("with coalescing: a burst leaves in batches of at most max_frames, in order", async () => {
    p = await pair();
    const writer = new SocketWriter(p.serverWs, p.socket, { coalesceMs: 5, coalesceMaxFrames: 10 });
    const before = p.writes();
    for (let i = 0; i < 30; i++) writer.write(`m${i}`);
    await waitFor(() => p.received.length === 30);
    expect(p.received).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(p.writes() - before).toBeLessThanOrEqual(3);
    expect(writer.counts).toEqual({ messages: 30, batches: 3 });
  });

  it("a partial batch goes out when the window closes; urgent writes flush it first", async () => {
    p = await pair();
    const writer = new SocketWriter(p.serverWs, p.socket, { coalesceMs: 20, coalesceMaxFrames: 10 });
    writer.write("a");
    writer.write("b");
    await waitFor(() => p.received.length === 2);
    writer.write("c");
    writer.write("audio", true);
    await waitFor(() => p.received.length === 4);
    expect(p.received).toEqual(["a", "b", "c", "audio"]);
  });
});
