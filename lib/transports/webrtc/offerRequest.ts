// Parsing of what clients send to the signalling routes, and the errors they can cause.
//
// An offer's `sdp` may be raw SDP (Pipecat's client, and what the Go docs promised) or a
// JSON string of {type, sdp} (the Go server's own web client). Both snake_case and
// camelCase keys are accepted, as Pipecat's runner does. Anything malformed becomes a
// SignallingError with a message that names the field; routes map `status` onto the HTTP
// error envelope (400 BAD_REQUEST, 404 NOT_FOUND, 422 VALIDATION_ERROR).

export type SignallingErrorCode = "BAD_REQUEST" | "NOT_FOUND" | "VALIDATION_ERROR";

const STATUS: Record<SignallingErrorCode, number> = { BAD_REQUEST: 400, NOT_FOUND: 404, VALIDATION_ERROR: 422 };

export class SignallingError extends Error {
  readonly status: number;
  constructor(
    readonly code: SignallingErrorCode,
    message: string,
    /** The request field at fault, for the envelope's `details`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "SignallingError";
    this.status = STATUS[code];
  }
}

/** The SDP itself is unusable: not SDP at all, or werift could not negotiate it. */
export class BadSdpError extends SignallingError {
  constructor(detail: string) {
    super("BAD_REQUEST", `invalid SDP offer: ${detail}`, "sdp");
    this.name = "BadSdpError";
  }
}

export interface OfferRequest {
  readonly sdp: string;
  readonly pcId?: string;
  readonly restartPc: boolean;
  readonly requestData?: unknown;
}

export interface IceCandidateRequest {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
}

export interface PatchRequest {
  readonly pcId: string;
  readonly candidates: readonly IceCandidateRequest[];
}

/** Body of POST /api/offer: {sdp, type?, pc_id?, restart_pc?, request_data?} (or camelCase). */
export function parseOfferRequest(body: unknown): OfferRequest {
  if (typeof body === "string") return { sdp: parseSdp(body), restartPc: false };
  const o = objectOf(body, "the offer");
  if (o.sdp === undefined) throw new SignallingError("VALIDATION_ERROR", "sdp is required", "sdp");
  if (typeof o.sdp !== "string") throw new SignallingError("VALIDATION_ERROR", "sdp must be a string", "sdp");
  if (o.type !== undefined && o.type !== null && o.type !== "offer") {
    throw new SignallingError("BAD_REQUEST", `type must be "offer", got ${JSON.stringify(o.type)}`, "type");
  }
  const pcId = pick(o, "pc_id", "pcId");
  if (pcId !== undefined && pcId !== null && (typeof pcId !== "string" || pcId === "")) {
    throw new SignallingError("VALIDATION_ERROR", "pc_id must be a non-empty string or null", "pc_id");
  }
  const restart = pick(o, "restart_pc", "restartPc");
  if (restart !== undefined && restart !== null && typeof restart !== "boolean") {
    throw new SignallingError("VALIDATION_ERROR", "restart_pc must be true or false", "restart_pc");
  }
  const requestData = pick(o, "request_data", "requestData");
  return {
    sdp: parseSdp(o.sdp),
    ...(typeof pcId === "string" && { pcId }),
    restartPc: restart === true,
    ...(requestData !== undefined && requestData !== null && { requestData }),
  };
}

/** Body of PATCH /api/offer: {pc_id, candidates:[{candidate, sdp_mid, sdp_mline_index}]}. */
export function parsePatchRequest(body: unknown): PatchRequest {
  const o = objectOf(body, "the candidate patch");
  const pcId = pick(o, "pc_id", "pcId");
  if (typeof pcId !== "string" || pcId === "") throw new SignallingError("VALIDATION_ERROR", "pc_id is required", "pc_id");
  if (!Array.isArray(o.candidates)) {
    throw new SignallingError("VALIDATION_ERROR", "candidates must be a list", "candidates");
  }
  const candidates = o.candidates.map((c: unknown, i: number): IceCandidateRequest => {
    const field = `candidates[${i}]`;
    const co = objectOf(c, field);
    if (typeof co.candidate !== "string") {
      throw new SignallingError("VALIDATION_ERROR", `${field}.candidate must be a string`, field);
    }
    const mid = pick(co, "sdp_mid", "sdpMid");
    const index = pick(co, "sdp_mline_index", "sdpMLineIndex");
    if (mid !== undefined && mid !== null && typeof mid !== "string") {
      throw new SignallingError("VALIDATION_ERROR", `${field}.sdp_mid must be a string`, field);
    }
    if (index !== undefined && index !== null && !(Number.isInteger(index) && (index as number) >= 0)) {
      throw new SignallingError("VALIDATION_ERROR", `${field}.sdp_mline_index must be a whole number`, field);
    }
    return { candidate: co.candidate, sdpMid: (mid as string | null | undefined) ?? null, sdpMLineIndex: (index as number | null | undefined) ?? null };
  });
  return { pcId, candidates };
}

/**
 * The SDP text of an offer given as raw SDP or as a JSON string of {type:"offer", sdp}.
 * Throws BadSdpError when it is neither.
 */
export function parseSdp(text: string): string {
  let sdp = text.trim();
  if (sdp.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(sdp);
    } catch {
      throw new BadSdpError("it starts like JSON but is not valid JSON");
    }
    const o = parsed as Record<string, unknown>;
    if (o === null || typeof o !== "object" || typeof o.sdp !== "string") {
      throw new BadSdpError('a JSON description must be an object {"type":"offer","sdp":"v=0…"}');
    }
    if (o.type !== undefined && o.type !== "offer") throw new BadSdpError(`the description's type must be "offer", got ${JSON.stringify(o.type)}`);
    sdp = o.sdp.trim();
  }
  if (!sdp.startsWith("v=0")) throw new BadSdpError('SDP must start with "v=0"');
  if (!/^m=(audio|video|application) /m.test(sdp)) throw new BadSdpError("SDP has no media section (m= line)");
  // Line endings are CRLF in SDP (RFC 8866); some clients send bare LF.
  return `${sdp.split(/\r?\n/).join("\r\n")}\r\n`;
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SignallingError("VALIDATION_ERROR", `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function pick(o: Record<string, unknown>, snake: string, camel: string): unknown {
  return o[snake] !== undefined ? o[snake] : o[camel];
}
