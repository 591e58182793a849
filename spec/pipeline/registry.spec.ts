// The plugin registry resolves names and options once, at start-up: an unknown name or a
// bad option is an error naming the plugin, never a silent fallback.

import { describe, expect, it } from "vitest";
import { PluginError, PluginRegistry } from "../../lib/pipeline/registry.ts";
import { builtinRegistry } from "../../lib/processors/builtins.ts";
import { createContext } from "../../lib/pipeline/context.ts";

describe("PluginRegistry", () => {
  it("builds the named processors with validated options", () => {
    const registry = builtinRegistry();
    const resolved = registry.resolve(["echo", "logger"], { logger: { include_audio: true } });
    const processors = PluginRegistry.build(resolved, createContext());
    expect(processors.map((p) => p.name)).toEqual(["echo", "logger"]);
    expect(resolved[1]!.options).toEqual({ include_audio: true, level: "info" });
  });

  it("rejects an unknown plugin with a suggestion and the known names", () => {
    const registry = builtinRegistry();
    expect(() => registry.resolve(["ecko"])).toThrow(PluginError);
    try {
      registry.resolve(["ecko"]);
    } catch (e) {
      expect((e as PluginError).problems[0]).toMatch(/unknown plugin "ecko" \(did you mean "echo"\?\); known plugins: .*echo/);
    }
  });

  it("reports bad options with their key path", () => {
    const registry = builtinRegistry();
    expect(() => registry.resolve(["frame_filter"], { frame_filter: { allowed_types: ["NoSuchFrame"] } })).toThrow(
      /plugin_options\.frame_filter\.allowed_types\.0: not a frame type name/,
    );
    expect(() => registry.resolve(["logger"], { logger: { level: "loud" } })).toThrow(/plugin_options\.logger\.level/);
  });

  it("flags options for a plugin that does not exist", () => {
    expect(() => builtinRegistry().resolve(["echo"], { loger: {} })).toThrow(/plugin_options\.loger: no such plugin \(did you mean "logger"\?\)/);
  });

  it("refuses to register a name twice", () => {
    const registry = builtinRegistry();
    expect(() => registry.register(registry.get("echo")!)).toThrow(/twice/);
  });
});
