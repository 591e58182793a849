// The plugins that ship with the runtime, registered by name for config-driven pipelines.

import { z } from "zod";
import { definePlugin, PluginRegistry } from "../pipeline/registry.ts";
import { echoOptions, echoProcessor } from "./echo.ts";
import { frameFilter, frameFilterOptions, identityFilter, nullFilter } from "./filters/frameFilters.ts";
import { loggerOptions, loggerProcessor } from "./logger.ts";

const none = z.object({}).strict();

export function registerBuiltins(registry: PluginRegistry): PluginRegistry {
  return registry
    .register(definePlugin({ name: "echo", description: "plays the user's audio back", options: echoOptions, create: echoProcessor }))
    .register(definePlugin({ name: "logger", description: "logs frames as they pass", options: loggerOptions, create: loggerProcessor }))
    .register(definePlugin({ name: "frame_filter", description: "passes only the listed frame types", options: frameFilterOptions, create: (_ctx, o) => frameFilter(o) }))
    .register(definePlugin({ name: "identity_filter", description: "passes everything", options: none, create: () => identityFilter() }))
    .register(definePlugin({ name: "null_filter", description: "passes only lifecycle frames", options: none, create: () => nullFilter() }));
}

export function builtinRegistry(): PluginRegistry {
  return registerBuiltins(new PluginRegistry());
}
