// What runs inside each session. Checked once at start-up (prepareSessionPipeline: unknown
// plugins and bad options are errors that stop the server), then built per session
// (buildSessionPipeline) from that session's own context, so sessions share nothing.
//
// Order, source to sink:
//   plugins from config (default ["echo"])    — the voice pipeline goes here when configured
//   user→bot latency observer                 — last, to see user turns and bot speech both
//
// Extending: the voice pipeline adds its stage by returning processors from a
// `SessionStage` passed in `extraStages` (or by editing this file's `stages`), keeping
// serve.ts and sessions.ts unchanged.

import type { VoxrayConfig } from "../config/schema.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import { pipeline } from "../pipeline/pipeline.ts";
import type { Processor } from "../pipeline/processor.ts";
import { PluginRegistry, type ResolvedPlugin } from "../pipeline/registry.ts";
import { builtinRegistry } from "../processors/builtins.ts";
import { userBotLatencyObserver } from "../observers/userBotLatency.ts";

/** The pipeline used when config names no plugins and the voice pipeline is off. */
export const DEFAULT_PLUGINS: readonly string[] = ["echo"];

/** A part of the session pipeline, built per session. */
export type SessionStage = (ctx: ProcessorContext, config: VoxrayConfig) => readonly Processor[];

export interface SessionPipelineSpec {
  readonly plugins: readonly ResolvedPlugin[];
  /** Stages placed before the plugins (RTVI, voice), in order. */
  readonly before: readonly SessionStage[];
}

export interface PrepareOptions {
  readonly registry?: PluginRegistry;
  readonly before?: readonly SessionStage[];
}

/** Validates the configured plugins; throws PluginError naming every problem. */
export function prepareSessionPipeline(config: VoxrayConfig, options: PrepareOptions = {}): SessionPipelineSpec {
  const registry = options.registry ?? builtinRegistry();
  const names = config.plugins.length > 0 ? config.plugins : DEFAULT_PLUGINS;
  return { plugins: registry.resolve(names, config.plugin_options), before: options.before ?? [] };
}

export function buildSessionPipeline(ctx: ProcessorContext, config: VoxrayConfig, spec: SessionPipelineSpec): Processor {
  const stages: Processor[] = [];
  for (const stage of spec.before) stages.push(...stage(ctx, config));
  stages.push(...PluginRegistry.build(spec.plugins, ctx));
  stages.push(userBotLatencyObserver(ctx));
  return pipeline(`session:${ctx.session.id}`, stages);
}
