// Options shared by every OpenAI-wire service, and what a service derives from them once, at
// construction: where its requests go (URL parts and connection pool), the headers every request
// carries, and its time limits. Nothing is read from the process environment, so OPENAI_*
// variables never leak into requests sent to other providers.

import type { Agent, RequestOptions } from "node:http";
import type { ServiceRole } from "../service-error.ts";
import { agentFor, type CertificateAuthority } from "./agents.ts";

export interface OpenAIConnectionOptions {
  /** Provider key, used as the service name and in error messages. Default "openai". */
  readonly provider?: string;
  /** Including the version path, e.g. "https://api.groq.com/openai/v1". */
  readonly baseURL: string;
  /** Empty or undefined sends no Authorization header (keyless local servers such as Ollama). */
  readonly apiKey?: string;
  /** Longest wait for the response headers. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Longest gap between two pieces of a response body. Default 30 000 ms; 0 disables. */
  readonly idleTimeoutMs?: number;
  /**
   * Retries of a request that failed before its answer began (connection failure, no headers
   * within timeoutMs, 408/409/429/5xx). Default 0: in a live voice turn a silent retry doubles
   * the wait, so the caller decides, using `ServiceError.retryable`.
   */
  readonly maxRetries?: number;
  /** Extra request headers (e.g. OpenRouter's HTTP-Referer). They win over the defaults. */
  readonly headers?: Readonly<Record<string, string>>;
  /** PEM certificates trusted for HTTPS besides the system's (a self-hosted server's private CA). */
  readonly ca?: CertificateAuthority;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** 30 s without a byte means the turn is lost anyway; slow reasoning models still start within it. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Some gateways and firewalls refuse requests that carry no User-Agent at all. */
const USER_AGENT = "voxray";

export function providerName(options: OpenAIConnectionOptions): string {
  return options.provider ?? "openai";
}

/** One endpoint of one service (e.g. groq's /chat/completions), resolved once. */
export interface OpenAIEndpoint {
  readonly provider: string;
  readonly role: ServiceRole;
  readonly secure: boolean;
  /** node:http request options: hostname, port, path, method and the pool. */
  readonly request: Readonly<RequestOptions> & { readonly agent: Agent };
  /** The agent's key for this origin's pooled sockets. */
  readonly poolName: string;
  /** User-Agent, Authorization and the configured headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** 0 when disabled. */
  readonly idleTimeoutMs: number;
  readonly maxRetries: number;
  /** Set when the base URL cannot be used: every request fails with this detail. */
  readonly invalid?: string;
}

/** `path` starts with "/" and is appended to the base URL's path (its query string is kept). */
export function openAIEndpoint(options: OpenAIConnectionOptions, role: ServiceRole, path: string): OpenAIEndpoint {
  let url: URL | undefined;
  try {
    url = new URL(options.baseURL);
  } catch {
    url = undefined;
  }
  const usable = url !== undefined && (url.protocol === "http:" || url.protocol === "https:");
  const secure = url?.protocol === "https:";
  const hostname = usable ? url!.hostname.replace(/^\[(.*)\]$/, "$1") : "localhost";
  const port = usable ? Number(url!.port || (secure ? 443 : 80)) : 80;
  const agent = agentFor(secure, options.ca);

  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  // Lower-cased, so a configured "Authorization" replaces the default instead of joining it.
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;

  return {
    provider: providerName(options),
    role,
    secure,
    request: {
      hostname,
      port,
      path: usable ? `${url!.pathname.replace(/\/+$/, "")}${path}${url!.search}` : path,
      method: "POST",
      agent,
    },
    poolName: agent.getName({ host: hostname, port }),
    headers,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxRetries: Math.max(0, Math.floor(options.maxRetries ?? 0)),
    ...(usable ? {} : { invalid: `invalid base URL ${JSON.stringify(options.baseURL)} (expected http:// or https://)` }),
  };
}
