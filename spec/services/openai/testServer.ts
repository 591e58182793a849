// A tiny HTTP(S) server for specs that need more control than the OpenAI stand-in gives: each
// test gives the handler; the server counts connections and tells when a response was closed
// before it finished (a client abort).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTLSServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { KeyAndCert } from "./selfSignedCert.ts";

export interface TestServer {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash). */
  readonly origin: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Requests whose response closed before it ended, in arrival order of their requests. */
  readonly abandoned: readonly string[];
  /** Resolves when the response to the next request that arrives is closed, with whether it finished. */
  nextClosed(): Promise<{ readonly finished: boolean }>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export async function startTestServer(handler: Handler, tls?: KeyAndCert): Promise<TestServer> {
  let connections = 0;
  const abandoned: string[] = [];
  const closeWaiters: ((r: { finished: boolean }) => void)[] = [];
  const sockets = new Set<Socket>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const waiter = closeWaiters.shift();
    res.on("close", () => {
      if (!res.writableFinished) abandoned.push(req.url ?? "");
      waiter?.({ finished: res.writableFinished });
    });
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => void Promise.resolve(handler(req, res, Buffer.concat(parts))).catch(() => res.destroy()));
  };
  const server: Server = tls ? createTLSServer({ ...tls }, onRequest) : createServer(onRequest);
  server.on(tls ? "secureConnection" : "connection", () => {
    connections += 1;
  });
  // Every raw connection, a TLS one still in its handshake included, so close() drops them all.
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    connections: () => connections,
    abandoned,
    nextClosed: () => new Promise((resolve) => closeWaiters.push(resolve)),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A promise and its resolve, for holding a response until the test says so. */
export function gate(): { readonly promise: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
