// What runs inside each session. Checked once at start-up (prepareSessionPipeline: unknown
// plugins and bad options are errors that stop the server), then built per session
// (buildSessionPipeline) from that session's own context, so sessions share nothing.
//
// Order, source to sink:
//   RTVI head                                  — client-ready, client messages, errors
//   stages (voice pipeline, when configured)
//   plugins from config (default ["echo"])
//   user→bot latency observer                  — sees user turns and bot speech both
//   RTVI observer                              — reports what the session sends out as RTVI events
//
// RTVI is in every session: it only speaks to a client after that client's `client-ready`
// (errors excepted), so plain JSON clients are unaffected. "rtvi" in `plugins` is therefore
// redundant and skipped; `plugin_options.rtvi` configures it.
//
// Extending: the voice pipeline adds its stage by returning processors from a
// `SessionStage` passed in `extraStages` (or by editing this file's `stages`), keeping
// serve.ts and sessions.ts unchanged.

import type { VoxrayConfig } from "../config/schema.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import { pipeline } from "../pipeline/pipeline.ts";
import type { Processor } from "../pipeline/processor.ts";
import { PluginError, PluginRegistry, type ResolvedPlugin } from "../pipeline/registry.ts";
import { builtinRegistry } from "../processors/builtins.ts";
import { rtviOptions, withRtvi, type RtviOptions } from "../processors/frameworks/rtvi/rtviProcessor.ts";
import { userBotLatencyObserver } from "../observers/userBotLatency.ts";

/** The pipeline used when config names no plugins and the voice pipeline is off. */
export const DEFAULT_PLUGINS: readonly string[] = ["echo"];

/** A part of the session pipeline, built per session. */
export type SessionStage = (ctx: ProcessorContext, config: VoxrayConfig) => readonly Processor[];

export interface SessionPipelineSpec {
  readonly plugins: readonly ResolvedPlugin[];
  readonly rtvi: RtviOptions;
  /** Stages placed before the plugins (RTVI, voice), in order. */
  readonly before: readonly SessionStage[];
}

export interface PrepareOptions {
  readonly registry?: PluginRegistry;
  readonly before?: readonly SessionStage[];
  /** Plugins to run when the config lists none. @defaultValue DEFAULT_PLUGINS */
  readonly defaultPlugins?: readonly string[];
}

/** Validates the configured plugins; throws PluginError naming every problem. */
export function prepareSessionPipeline(config: VoxrayConfig, options: PrepareOptions = {}): SessionPipelineSpec {
  const registry = options.registry ?? builtinRegistry();
  const listed = config.plugins.filter((name) => name !== "rtvi");
  const names = listed.length > 0 ? listed : (options.defaultPlugins ?? DEFAULT_PLUGINS);
  const { rtvi: rtviInput, ...pluginOptions } = config.plugin_options;
  const rtvi = rtviOptions.safeParse(rtviInput ?? {});
  let plugins: ResolvedPlugin[];
  try {
    plugins = registry.resolve(names, pluginOptions);
  } catch (error) {
    if (!(error instanceof PluginError) || rtvi.success) throw error;
    throw new PluginError([...error.problems, ...rtviProblems(rtvi.error.issues)]);
  }
  if (!rtvi.success) throw new PluginError(rtviProblems(rtvi.error.issues));
  return { plugins, rtvi: rtvi.data, before: options.before ?? [] };
}

function rtviProblems(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((i) => `${["plugin_options", "rtvi", ...i.path.map(String)].join(".")}: ${i.message}`);
}

export function buildSessionPipeline(ctx: ProcessorContext, config: VoxrayConfig, spec: SessionPipelineSpec): Processor {
  const stages: Processor[] = [];
  for (const stage of spec.before) stages.push(...stage(ctx, config));
  stages.push(...PluginRegistry.build(spec.plugins, ctx));
  stages.push(userBotLatencyObserver(ctx));
  return pipeline(`session:${ctx.session.id}`, [withRtvi(ctx, stages, spec.rtvi)]);
}
