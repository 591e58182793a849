// What each `voxray` command does. bin/voxray.ts declares the commands and flags and calls
// these; they print through `io` and return the exit code, so they are testable in-process
// and the CLI file reads top to bottom.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "commander";
import { ConfigError, formatIssues } from "./errors.ts";
import { loadConfig, type ConfigOverrides } from "./load.ts";
import { effectiveProviders, requiredKeyProblems, voiceEnabled } from "./apiKeys.ts";
import { configJsonSchema } from "./jsonSchema.ts";
import { initTemplateText } from "./initTemplate.ts";
import type { VoxrayConfig } from "./schema.ts";
import type { Env } from "./envOverrides.ts";

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

export interface ConfigSource {
  readonly path?: string | undefined;
  readonly cwd: string;
  readonly env: Env;
}

/** The signature of lib/server/serve.ts's `serve`. */
export type ServeFunction = (
  config: VoxrayConfig,
  options: { warnings: string[]; configSource: string },
) => Promise<{ close(): Promise<void> }>;

export function voxrayVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

/** commander argument parser for --port. */
export function parsePortFlag(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError("expected a port number from 0 to 65535.");
  return port;
}

/** `voxray config check [path]`: 0 when the configuration is valid, 1 otherwise. */
export function runConfigCheck(source: ConfigSource, io: CliIo): number {
  const loaded = tryLoad(source, {}, io);
  if (loaded === undefined) return 1;
  const { config, source: file, warnings } = loaded;
  io.out(`OK ${file}`);
  io.out(`  ${describePipeline(config)}`);
  io.out(`  listens on ${config.host === "" ? "*" : config.host}:${config.port} (${config.transport})`);
  for (const warning of warnings) io.out(`warning: ${warning}`);
  // The environment at check time may not be the one the server runs with, so a missing
  // key is reported here but only `serve` refuses to start over it.
  for (const problem of requiredKeyProblems(config, source.env)) io.out(`warning: serve would refuse to start: ${problem}`);
  return 0;
}

/** `voxray config schema`. */
export function runConfigSchema(io: CliIo): number {
  io.out(JSON.stringify(configJsonSchema(), null, 2));
  return 0;
}

/** `voxray init [path]`: writes the starter config; never overwrites unless forced. */
export function runInit(options: { path: string; force: boolean; cwd: string }, io: CliIo): number {
  const file = resolve(options.cwd, options.path);
  if (existsSync(file) && !options.force) {
    io.err(`voxray: ${file} already exists; use --force to overwrite it`);
    return 1;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, initTemplateText());
  } catch (error) {
    io.err(`voxray: cannot write ${file}: ${(error as Error).message}`);
    return 1;
  }
  io.out(`wrote ${file}`);
  io.out(`next: edit it, then run  voxray config check ${options.path}  and  voxray serve --config ${options.path}`);
  return 0;
}

/**
 * `voxray serve`: loads the configuration, refuses to start when a provider key is missing,
 * then starts the server. 0 = running, 1 = failed.
 */
export async function runServe(
  source: ConfigSource & { readonly overrides: ConfigOverrides },
  serverModule: URL,
  io: CliIo,
): Promise<number> {
  const loaded = tryLoad(source, source.overrides, io);
  if (loaded === undefined) return 1;
  const problems = requiredKeyProblems(loaded.config, source.env);
  if (problems.length > 0) {
    for (const problem of problems) io.err(`voxray: ${problem}`);
    return 1;
  }
  const serve = await importServe(serverModule);
  if (typeof serve === "string") {
    io.err(`voxray: cannot serve: ${serve}`);
    return 1;
  }
  try {
    // serve() logs the warnings, and shuts down gracefully on SIGINT/SIGTERM itself.
    await serve(loaded.config, { warnings: loaded.warnings, configSource: loaded.source });
    return 0;
  } catch (error) {
    io.err(`voxray: the server did not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function tryLoad(source: ConfigSource, overrides: ConfigOverrides, io: CliIo) {
  try {
    return loadConfig({ path: source.path, cwd: source.cwd, env: source.env, overrides });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error.issues.every((issue) => issue.path === "")) {
      for (const issue of error.issues) io.err(`voxray: ${issue.message}`);
    } else {
      const count = error.issues.length === 1 ? "1 problem" : `${error.issues.length} problems`;
      io.err(`voxray: invalid configuration in ${error.file ?? "the configuration"} (${count}):`);
      io.err(formatIssues(error.issues));
    }
    return undefined;
  }
}

function describePipeline(config: VoxrayConfig): string {
  if (!voiceEnabled(config)) return `plugin pipeline: ${config.plugins.length > 0 ? config.plugins.join(" → ") : "(no plugins)"}`;
  const p = effectiveProviders(config);
  return `voice pipeline: STT ${p.stt} → LLM ${p.llm}${config.model === undefined ? "" : ` (${config.model})`} → TTS ${p.tts}`;
}

async function importServe(serverModule: URL): Promise<ServeFunction | string> {
  if (!existsSync(fileURLToPath(serverModule))) return "the server module (lib/server/serve.ts) is not in this installation";
  const module = (await import(serverModule.href)) as { serve?: unknown };
  if (typeof module.serve !== "function") return "lib/server/serve.ts does not export a serve() function";
  return module.serve as ServeFunction;
}
