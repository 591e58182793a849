// The one error type every provider adapter reports. It names the provider and the role so a log
// line or an ErrorFrame says which request failed ("groq STT request failed: 429 Rate limit …"),
// and says whether trying again may help, so callers decide about retries instead of the adapter.

export type ServiceRole = "llm" | "stt" | "tts";

const ROLE_LABEL: Readonly<Record<ServiceRole, string>> = { llm: "LLM", stt: "STT", tts: "TTS" };

export interface ServiceErrorInit {
  readonly provider: string;
  readonly role: ServiceRole;
  /** What went wrong, without the status (it is prefixed when present). */
  readonly detail: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly cause?: unknown;
}

export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly provider: string;
  readonly role: ServiceRole;
  /** HTTP status when the provider answered with one. */
  readonly status: number | undefined;
  /** True for rate limits, provider-side failures, timeouts and dropped connections. */
  readonly retryable: boolean;

  constructor(init: ServiceErrorInit) {
    const status = init.status === undefined ? "" : `${init.status} `;
    super(`${init.provider} ${ROLE_LABEL[init.role]} request failed: ${status}${init.detail}`, { cause: init.cause });
    this.provider = init.provider;
    this.role = init.role;
    this.status = init.status;
    this.retryable = init.retryable;
  }
}

/** 408 timeout, 409 lock conflict, 429 rate limit and every 5xx may succeed when tried again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
