// RTVI wire basics shared by the serializers and the RTVI processor: every message is a JSON
// object `{label: "rtvi-ai", type, id?, data?}`. Clients set `id` (8 hex characters) on what
// they send and expect it echoed on replies; server events carry no id.

export const RTVI_LABEL = "rtvi-ai";
export const RTVI_PROTOCOL_VERSION = "2.1.0";

export interface RtviMessage<D = unknown> {
  readonly label: typeof RTVI_LABEL;
  readonly type: string;
  readonly id?: string;
  readonly data?: D;
}

/** True for objects that claim to be RTVI (the label); their shape is checked by whoever handles them. */
export function hasRtviLabel(value: unknown): value is { readonly label: typeof RTVI_LABEL } & Record<string, unknown> {
  return typeof value === "object" && value !== null && (value as { label?: unknown }).label === RTVI_LABEL;
}

/** An RTVI message; `id` and `data` are left out when undefined, as Pipecat's server does. */
export function rtviMessage<D>(type: string, data?: D, id?: string): RtviMessage<D> {
  return {
    label: RTVI_LABEL,
    type,
    ...(id !== undefined ? { id } : {}),
    ...(data !== undefined ? { data } : {}),
  };
}
