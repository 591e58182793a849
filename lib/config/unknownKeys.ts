// Keys the schema does not know are never silently dropped (the Go original ignored typos,
// so "trun_stop_secs": 1 did nothing): each one becomes a warning with the closest known
// key. They are never fatal, so a config written for a newer version still starts.

import { configShape, mcpSchema, recordingSchema, transcriptsSchema } from "./schema.ts";
import { iceServerObjectSchema } from "./iceServers.ts";
import { formatKeyPath } from "./errors.ts";
import { suggest } from "./suggest.ts";

/** Keys of Go configs (or its README) that do nothing, with why. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  runner_port: "the runner shares the server's port",
  vad_batch_size: "it was never used",
  metrics: "metrics are configured by metrics_enabled",
  legacy_errors: "errors always use the {error: {code, message, requestId}} envelope",
  shutdown_upload_timeout_secs: "it was never implemented",
};

const TOP_LEVEL = Object.keys(configShape);
const NESTED: Readonly<Record<string, readonly string[]>> = {
  recording: Object.keys(recordingSchema.shape),
  transcripts: Object.keys(transcriptsSchema.shape),
  mcp: Object.keys(mcpSchema.shape),
};
const ICE_SERVER_KEYS = Object.keys(iceServerObjectSchema.shape);

/** Warnings for every key of `raw` (comments already removed) the schema does not read. */
export function unknownKeyWarnings(raw: Readonly<Record<string, unknown>>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    const reason = NO_EFFECT[key];
    if (reason !== undefined) warnings.push(`key "${key}" has no effect (${reason}); ignored`);
    else warnUnknown(warnings, [], key, TOP_LEVEL);
  }
  for (const [section, known] of Object.entries(NESTED)) {
    const value = raw[section];
    if (!isPlainObject(value)) continue;
    for (const key of Object.keys(value)) warnUnknown(warnings, [section], key, known);
  }
  const ice = raw["webrtc_ice_servers"];
  if (Array.isArray(ice)) {
    ice.forEach((server, i) => {
      if (!isPlainObject(server)) return;
      for (const key of Object.keys(server)) warnUnknown(warnings, ["webrtc_ice_servers", i], key, ICE_SERVER_KEYS);
    });
  }
  return warnings;
}

function warnUnknown(warnings: string[], parent: PropertyKey[], key: string, known: readonly string[]): void {
  if (known.includes(key)) return;
  const near = suggest(key, known);
  const name = formatKeyPath([...parent, key]);
  const hint = near === undefined ? "" : ` (did you mean "${formatKeyPath([...parent, near])}"?)`;
  warnings.push(`unknown key "${name}"${hint}; ignored`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
