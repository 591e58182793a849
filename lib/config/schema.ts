// The Voxray configuration: one zod schema for every top-level key, with defaults applied.
// Key meanings are documented on each key (and so appear in the JSON Schema for editors);
// the sections live in ./sections/. Keys that begin with "_comment" (and "$schema") are
// allowed anywhere and ignored; unknown keys are stripped here and reported as warnings
// by load.ts.

import { z } from "zod";
import { serverShape } from "./sections/server.ts";
import { voiceShape } from "./sections/voice.ts";
import { turnShape } from "./sections/turns.ts";
import { runtimeShape } from "./sections/runtime.ts";

export { DEFAULT_SYSTEM_PROMPT, mcpSchema } from "./sections/voice.ts";
export { TRANSPORTS, LOG_LEVELS } from "./sections/server.ts";
export { TURN_DETECTIONS, VAD_TYPES, INTERRUPTION_STRATEGIES } from "./sections/turns.ts";
export {
  RUNNER_TRANSPORTS,
  SESSION_STORES,
  INPUT_OVERFLOW_POLICIES,
  TRANSCRIPT_DRIVERS,
  recordingSchema,
  transcriptsSchema,
} from "./sections/runtime.ts";
export type { IceServer } from "./iceServers.ts";

export const configShape = { ...serverShape, ...voiceShape, ...turnShape, ...runtimeShape };

/** Rules that tie two keys together. They run even when other keys are invalid, so one
 *  check lists every problem; hence the defensive reads of possibly-invalid values. */
const crossKeyRules = z.superRefine<Record<string, unknown>>(
  (config, ctx) => {
    const require = (when: boolean, path: PropertyKey[], value: unknown, because: string) => {
      if (!when || (value !== undefined && value !== "")) return;
      ctx.addIssue({ code: "custom", path, message: `required when ${because}` });
    };
    const recording = asRecord(config["recording"]);
    const transcripts = asRecord(config["transcripts"]);
    require(config["session_store"] === "redis", ["redis_url"], config["redis_url"], 'session_store is "redis"');
    require(config["tls_enable"] === true, ["tls_cert_file"], config["tls_cert_file"], "tls_enable is true");
    require(config["tls_enable"] === true, ["tls_key_file"], config["tls_key_file"], "tls_enable is true");
    require(recording["enable"] === true, ["recording", "bucket"], recording["bucket"], "recording.enable is true");
    require(transcripts["enable"] === true, ["transcripts", "driver"], transcripts["driver"], "transcripts.enable is true");
    require(transcripts["enable"] === true, ["transcripts", "dsn"], transcripts["dsn"], "transcripts.enable is true");
  },
  { when: () => true },
);

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

export const VoxrayConfigSchema = z.object(configShape).check(crossKeyRules);

/** A validated configuration with every default applied. */
export type VoxrayConfig = z.output<typeof VoxrayConfigSchema>;
/** What a config file may contain (every key optional). */
export type VoxrayConfigInput = z.input<typeof VoxrayConfigSchema>;

/** The configuration an empty file gives. Deep-frozen: copy before changing. */
export const DEFAULT_CONFIG: VoxrayConfig = deepFreeze(VoxrayConfigSchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
