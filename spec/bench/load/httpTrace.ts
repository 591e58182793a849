// When the server put each of its requests to the stand-in on the wire, from node:http's
// diagnostics channels (the server's OpenAI-wire clients are node:http requests, see
// lib/services/openai/http.ts): the request's 'finish' (its whole body handed to the socket),
// with the socket's local port. The stand-in records the remote port of every request it reads,
// so the parent can tie each of the stand-in's requests to the moment the server sent it
// (turnLegs.ts), without the stand-in's own lateness in reading it. Also counts the requests
// that had to wait for a new connection (none idle in the pool, none opened ahead of need).

import type { ClientRequest } from "node:http";
import { subscribe } from "node:diagnostics_channel";
import { openedAheadOfNeed } from "../../../lib/services/openai/agents.ts";
import type { ServerWrite } from "./protocol.ts";
import { monoUs } from "./stats.ts";

/** Bounded, so a parent that never asks cannot grow it without end. */
const LIMIT = 100_000;

export interface HttpTrace {
  /** Writes since the last call, and how many of those requests waited for a connection to open. */
  take(): { readonly writes: ServerWrite[]; readonly connecting: number };
}

export function traceHttp(): HttpTrace {
  let writes: ServerWrite[] = [];
  let connecting = 0;
  subscribe("http.client.request.start", (message) => {
    const request = (message as { request: ClientRequest }).request;
    request.once("finish", () => {
      if (!request.reusedSocket && !openedAheadOfNeed(request.socket)) connecting++;
      const port = request.socket?.localPort;
      if (port !== undefined && writes.length < LIMIT) writes.push({ port, us: monoUs() });
    });
  });
  return {
    take() {
      const out = { writes, connecting };
      writes = [];
      connecting = 0;
      return out;
    },
  };
}
