// Options shared by every OpenAI-wire service, and the one place that builds the `openai` client
// from them. The client is told everything explicitly so that OPENAI_* variables in the process
// environment never leak into requests sent to other providers (e.g. an OpenAI-Organization
// header on a Groq call).

import OpenAI from "openai";
import { createNodeFetch, type Fetch } from "./node-fetch.ts";

export interface OpenAIConnectionOptions {
  /** Provider key, used as the service name and in error messages. Default "openai". */
  readonly provider?: string;
  /** Including the version path, e.g. "https://api.groq.com/openai/v1". */
  readonly baseURL: string;
  /** Empty or undefined sends no Authorization header (keyless local servers such as Ollama). */
  readonly apiKey?: string;
  /** Longest wait for the response headers. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Longest gap between two pieces of a streamed body. Default 30 000 ms; 0 disables. */
  readonly idleTimeoutMs?: number;
  /**
   * Retries inside the client. Default 0: in a live voice turn a silent retry doubles the wait,
   * so the caller decides, using `ServiceError.retryable`.
   */
  readonly maxRetries?: number;
  /** Extra request headers (e.g. OpenRouter's HTTP-Referer). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The transport. Default: the process's node:http fetch (`sharedNodeFetch`), about a tenth of
   * the platform fetch's CPU per request; `globalThis.fetch` or a `createNodeFetch({ ca })` for a
   * private CA can be passed instead.
   */
  readonly fetch?: Fetch;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** 30 s without a byte means the turn is lost anyway; slow reasoning models still start within it. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export function providerName(options: OpenAIConnectionOptions): string {
  return options.provider ?? "openai";
}

/** One keep-alive pool for every client of the process, so roles on the same host share warm connections. */
export const sharedNodeFetch = createNodeFetch();

/**
 * Clients are stateless HTTP clients, so one per distinct connection serves every session of
 * the process: building one per session cost ~16 KiB of heap each, for nothing. A server has a
 * handful of distinct connections (one per configured role), so the cache stays tiny; it is
 * bounded anyway.
 */
const clients = new Map<string, OpenAI>();
const MAX_CLIENTS = 64;
/** Fetch functions cannot be serialized into the cache key; each gets a number. */
const fetchIds = new WeakMap<Fetch, number>();
let nextFetchId = 0;

function fetchId(fetch: Fetch): number {
  let id = fetchIds.get(fetch);
  if (id === undefined) fetchIds.set(fetch, (id = nextFetchId++));
  return id;
}

export function createOpenAIClient(options: OpenAIConnectionOptions): OpenAI {
  const key = JSON.stringify([
    fetchId(options.fetch ?? sharedNodeFetch),
    options.baseURL,
    options.apiKey ?? "",
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.maxRetries ?? 0,
    options.headers ?? {},
  ]);
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    client = buildClient(options);
    clients.set(key, client);
  }
  return client;
}

function buildClient(options: OpenAIConnectionOptions): OpenAI {
  const keyless = !options.apiKey;
  return new OpenAI({
    // The client refuses to start without a key; a keyless provider gets a placeholder whose
    // header is then removed (a null header value deletes it).
    apiKey: keyless ? "keyless" : options.apiKey,
    baseURL: options.baseURL,
    organization: null,
    project: null,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? 0,
    defaultHeaders: keyless ? { ...options.headers, Authorization: null } : { ...options.headers },
    fetch: options.fetch ?? sharedNodeFetch,
  });
}
