// Loading a configuration: find the file, parse it, apply environment overrides and then
// CLI flags, validate. Every problem is collected into one ConfigError; every ignored key
// becomes a warning.
//
// File order: the explicit path (--config), then $VOXRAY_CONFIG, then ./config.json,
// then the built-in config/default.json (an echo agent with turn detection).

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";
import { parseJsonText } from "./jsonText.ts";
import { VoxrayConfigSchema, type VoxrayConfig, type VoxrayConfigInput } from "./schema.ts";
import { applyEnvOverrides, type Env } from "./envOverrides.ts";
import { issuesFromZod, type Provenance } from "./zodIssues.ts";
import { isPlainObject, unknownKeyWarnings } from "./unknownKeys.ts";
import { providerWarnings } from "./apiKeys.ts";

export const BUILTIN_CONFIG_PATH = fileURLToPath(new URL("../../config/default.json", import.meta.url));

/** How the file was chosen. */
export type ConfigOrigin = "path" | "VOXRAY_CONFIG" | "cwd" | "default";

/** Values from command-line flags; undefined entries are ignored. */
export type ConfigOverrides = { readonly [K in keyof VoxrayConfigInput]?: VoxrayConfigInput[K] | undefined };

export interface LoadConfigOptions {
  /** Explicit config file (the --config flag), relative to cwd. */
  readonly path?: string | undefined;
  readonly env?: Env;
  readonly cwd?: string;
  /** CLI flag values, applied after the environment. */
  readonly overrides?: ConfigOverrides;
}

export interface LoadedConfig {
  readonly config: VoxrayConfig;
  /** Absolute path of the file the configuration came from. */
  readonly source: string;
  readonly origin: ConfigOrigin;
  /** Ignored keys, likely typos, and advice. Never fatal. */
  readonly warnings: string[];
}

/** @throws ConfigError listing every problem, each with its key path. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const { file, origin } = locateConfigFile(options.path, env, options.cwd ?? process.cwd());
  const raw = readConfigFile(file, origin);
  const warnings = unknownKeyWarnings(raw);

  const fromEnv = applyEnvOverrides(raw, env);
  warnings.push(...fromEnv.warnings);
  const provenance = new Map(fromEnv.provenance);
  const input = { ...fromEnv.raw };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    input[key] = value;
    provenance.set(key, `--${key.replaceAll("_", "-")}`);
  }

  const config = validate(input, file, provenance, fromEnv.issues);
  warnings.push(...providerWarnings(config), ...adviceWarnings(config));
  return { config, source: file, origin, warnings };
}

/**
 * Validates an in-memory configuration (no file, no environment), applying defaults.
 * `_comment*` and `$schema` keys and null values are ignored, as in files.
 * @throws ConfigError
 */
export function parseConfig(input: unknown): VoxrayConfig {
  if (!isPlainObject(input)) throw new ConfigError([{ path: "", message: "a configuration must be an object" }]);
  return validate(withoutComments(input), undefined, new Map(), []);
}

function validate(
  input: Record<string, unknown>,
  file: string | undefined,
  provenance: Provenance,
  earlier: ConfigError["issues"],
): VoxrayConfig {
  const result = VoxrayConfigSchema.safeParse(input, { reportInput: true });
  const issues = [...earlier, ...(result.success ? [] : issuesFromZod(result.error.issues, provenance))];
  if (issues.length > 0 || !result.success) throw new ConfigError(issues, file);
  return result.data;
}

export function locateConfigFile(
  path: string | undefined,
  env: Env,
  cwd: string,
): { readonly file: string; readonly origin: ConfigOrigin } {
  if (path !== undefined && path !== "") return { file: resolve(cwd, path), origin: "path" };
  const fromEnv = env["VOXRAY_CONFIG"]?.trim();
  if (fromEnv) return { file: resolve(cwd, fromEnv), origin: "VOXRAY_CONFIG" };
  const local = resolve(cwd, "config.json");
  if (existsSync(local)) return { file: local, origin: "cwd" };
  return { file: BUILTIN_CONFIG_PATH, origin: "default" };
}

/** The file's top-level object, without comments or nulls. */
export function readConfigFile(file: string, origin: ConfigOrigin = "path"): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const named = origin === "VOXRAY_CONFIG" ? " (named by VOXRAY_CONFIG)" : "";
    const message =
      code === "ENOENT"
        ? `config file not found: ${file}${named}`
        : code === "EISDIR"
          ? `config path is a directory, not a file: ${file}${named}`
          : `cannot read config file ${file}: ${(error as Error).message}`;
    throw new ConfigError([{ path: "", message }], file);
  }
  const parsed = parseJsonText(text, file);
  if (!isPlainObject(parsed)) {
    throw new ConfigError([{ path: "", message: `${file}: the top level must be a JSON object ({ ... })` }], file);
  }
  return withoutComments(parsed);
}

/** Drops `_comment*` and `$schema` keys and null values (null means "not set", as in Go) at every depth. */
function withoutComments(value: Record<string, unknown>): Record<string, unknown> {
  const clean = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(clean) : isPlainObject(v) ? withoutComments(v) : v;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith("_comment") || key === "$schema" || inner === null) continue;
    out[key] = clean(inner);
  }
  return out;
}

/** Settings that are valid one by one but work against each other. */
function adviceWarnings(config: VoxrayConfig): string[] {
  const warnings: string[] = [];
  const watchdog = config.user_turn_stop_timeout_secs;
  if (config.turn_detection !== "none" && watchdog > 0 && watchdog < config.turn_stop_secs) {
    warnings.push(
      `user_turn_stop_timeout_secs (${watchdog}) is shorter than turn_stop_secs (${config.turn_stop_secs}): ` +
        "the watchdog will end turns before the silence does",
    );
  }
  if (config.interruption_strategy !== "none" && !config.allow_interruptions) {
    warnings.push("interruption_strategy has no effect while allow_interruptions is false");
  }
  return warnings;
}
