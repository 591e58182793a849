// The process's keep-alive connection pools for OpenAI-wire providers: one for http, one for
// https, and one more per private CA (a self-hosted server with its own certificate). Every
// service of every session shares them, so roles on the same host share warm connections and
// a voice turn's three requests (STT, LLM, TTS) skip the TCP and TLS handshakes.

import http from "node:http";
import https from "node:https";
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

export const httpAgent = new http.Agent(AGENT_OPTIONS);
export const httpsAgent = new https.Agent(AGENT_OPTIONS);

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
    agent = new https.Agent({ ...AGENT_OPTIONS, secureContext });
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
