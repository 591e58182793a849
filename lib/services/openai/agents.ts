// The process's keep-alive connection pools for OpenAI-wire providers: one for http, one for
// https, and one more per private CA (a self-hosted server with its own certificate). Every
// service of every session shares them, so roles on the same host share warm connections and
// a voice turn's three requests (STT, LLM, TTS) skip the TCP and TLS handshakes.
//
// A request cancelled mid-answer (a barge-in stops the LLM's stream and the TTS audio) has to
// close its connection: HTTP/1.1 has no other way to stop a response. The next turn's requests
// to that host would then open a new one on the answer's critical path (on loopback one more
// event-loop round trip, over the internet a TCP and a TLS handshake: two or three round trips).
// So each connection a cancel closes is replaced at once in the background (`replaceClosed`):
// the pool hands the warm connection to the next request it has no idle one for. At most
// MAX_WARM wait per origin, each for as long as an idle pooled one would (KEEP_ALIVE_MS).

import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { createSecureContext, rootCertificates } from "node:tls";

/** PEM certificates trusted besides the system's. */
export type CertificateAuthority = string | Buffer | readonly (string | Buffer)[];

/**
 * How long an unused connection stays in the pool. Voice turns come every few seconds, and load
 * balancers commonly drop idle connections after 60 s (one dropped without a reset would cost a
 * whole request timeout). A shorter `Keep-Alive: timeout=N` from the server wins (node:http's
 * agent applies it). A request in flight is not affected: the socket timeout only closes idle
 * sockets in the pool.
 */
export const KEEP_ALIVE_MS = 30_000;

const AGENT_OPTIONS = {
  keepAlive: true,
  // The most recently used socket first: the warmest, and the least likely to have been closed
  // by the server's idle timeout.
  scheduling: "lifo",
  // SSE events and audio chunks are small writes that must not wait for Nagle's 40 ms.
  noDelay: true,
  timeout: KEEP_ALIVE_MS,
} as const;

/** Warm connections waiting per origin: a few cancels at once are common (one turn cancels its LLM and TTS requests). */
const MAX_WARM = 4;

/** Connections opened ahead of need, each with what makes it an ordinary connection again when a request takes it. */
const openedAhead = new WeakMap<Socket, () => void>();

/** Whether `socket` was opened ahead of need rather than for the request on it. */
export function openedAheadOfNeed(socket: Socket | null | undefined): boolean {
  return socket != null && openedAhead.has(socket);
}

type ConnectionOptions = Record<string, unknown> & { _agentKey?: string };
type CreateConnection = (options: ConnectionOptions, callback?: (error: Error | null, socket: Socket) => void) => Socket | undefined;

/** The warm connections of one agent, per pool name, and the options each pool last connected with. */
interface Warmth {
  readonly options: Map<string, ConnectionOptions>;
  readonly warm: Map<string, Socket[]>;
}

const warmth = new WeakMap<http.Agent, Warmth>();

/** A keep-alive agent whose new connections may come from those opened by replaceClosed(). */
function warmingAgent<A extends http.Agent>(agent: A): A {
  const state: Warmth = { options: new Map(), warm: new Map() };
  warmth.set(agent, state);
  const connect = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, callback) => {
    const name = options._agentKey ?? agent.getName(options as http.ClientRequestArgs);
    state.options.set(name, options);
    const socket = takeWarm(state, name);
    if (!socket) return connect(options, callback);
    if (callback) callback(null, socket);
    return socket;
  };
  return agent;
}

function takeWarm(state: Warmth, name: string): Socket | undefined {
  const list = state.warm.get(name);
  let socket: Socket | undefined;
  while ((socket = list?.pop())) {
    if (list!.length === 0) state.warm.delete(name);
    openedAhead.get(socket)?.();
    if (!socket.destroyed && socket.writable) return socket;
    socket.destroy();
  }
  return undefined;
}

/**
 * Opens a connection to the pool `poolName` of `agent` in the background, for the next request
 * that finds no idle one: call it after closing a connection that the pool would have kept.
 * Nothing happens for a pool that never connected, or that has MAX_WARM idle or warm already.
 */
export function replaceClosed(agent: http.Agent, poolName: string): void {
  const state = warmth.get(agent);
  const options = state?.options.get(poolName);
  if (!state || !options) return;
  const list = state.warm.get(poolName) ?? [];
  if (list.length + (agent.freeSockets[poolName]?.length ?? 0) >= MAX_WARM) return;
  const connect = Object.getPrototypeOf(agent).createConnection as CreateConnection;
  let socket: Socket | undefined;
  try {
    socket = connect.call(agent, options);
  } catch {
    return; // the request that needs it will connect, and report what fails
  }
  if (!socket) return;
  const drop = (): void => {
    const at = list.indexOf(socket!);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0 && state.warm.get(poolName) === list) state.warm.delete(poolName);
    socket!.destroy();
  };
  // While it waits, an error or the server's close only removes it; unused, it expires as an
  // idle pooled one would (the pool's options carry its idle timeout, KEEP_ALIVE_MS).
  socket.on("error", drop);
  socket.once("close", drop);
  socket.once("timeout", drop);
  socket.unref();
  openedAhead.set(socket, () => {
    socket!.off("error", drop);
    socket!.off("close", drop);
    socket!.off("timeout", drop);
    socket!.ref();
  });
  list.push(socket);
  state.warm.set(poolName, list);
}

export const httpAgent = warmingAgent(new http.Agent(AGENT_OPTIONS));
export const httpsAgent = warmingAgent(new https.Agent(AGENT_OPTIONS));

/** A handful at most (one per configured private CA); bounded anyway. */
const privateCaAgents = new Map<string, https.Agent>();
const MAX_PRIVATE_CA_AGENTS = 16;

/** The pool for `secure` requests trusting `ca` besides the system's roots. */
export function agentFor(secure: boolean, ca?: CertificateAuthority): http.Agent {
  if (!secure) return httpAgent;
  if (ca === undefined) return httpsAgent;
  const pems = [ca].flat().map((pem) => (typeof pem === "string" ? pem : pem.toString("utf8")));
  const key = pems.join("\n");
  let agent = privateCaAgents.get(key);
  if (!agent) {
    if (privateCaAgents.size >= MAX_PRIVATE_CA_AGENTS) privateCaAgents.delete(privateCaAgents.keys().next().value!);
    // One secure context for every connection of the pool: building one from ~140 root
    // certificates for each new connection costs milliseconds.
    const secureContext = createSecureContext({ ca: [...rootCertificates, ...pems] });
    agent = warmingAgent(new https.Agent({ ...AGENT_OPTIONS, secureContext }));
    privateCaAgents.set(key, agent);
  }
  return agent;
}

/**
 * Closes the idle pooled connections to one origin. After one of them turned out to be closed
 * by the server, the others are older still (the pool hands out the newest first), so they are
 * dropped rather than tried one by one.
 */
export function dropIdleSockets(agent: http.Agent, poolName: string): void {
  for (const socket of agent.freeSockets[poolName] ?? []) socket.destroy();
}
