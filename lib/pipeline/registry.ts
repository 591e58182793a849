// The plugin registry: processor name → factory with zod-validated options.
//
// Config-driven pipelines (`plugins: ["echo", "logger"]`, `plugin_options: {logger: {...}}`)
// are resolved here. Everything is checked before the server accepts a connection: an
// unknown name or bad options is a start-up error that names the plugin, never a silent
// fallback to echo.

import { z } from "zod";
import { suggest } from "../config/suggest.ts";
import type { ProcessorContext } from "./context.ts";
import type { Processor } from "./processor.ts";

export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly options: S;
  create(ctx: ProcessorContext, options: z.output<S>): Processor;
}

export class PluginError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "PluginError";
  }
}

export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S> {
  return def;
}

export interface ResolvedPlugin {
  readonly definition: PluginDefinition;
  readonly options: unknown;
}

export class PluginRegistry {
  private readonly plugins = new Map<string, PluginDefinition>();

  register(def: PluginDefinition<any>): this {
    if (this.plugins.has(def.name)) throw new Error(`plugin "${def.name}" is registered twice`);
    this.plugins.set(def.name, def);
    return this;
  }

  get names(): string[] {
    return [...this.plugins.keys()].sort();
  }

  get(name: string): PluginDefinition | undefined {
    return this.plugins.get(name);
  }

  /**
   * Checks names and options once, at start-up. Throws PluginError listing every problem.
   * The result builds processors per session without re-validating.
   */
  resolve(names: readonly string[], options: Readonly<Record<string, unknown>> = {}): ResolvedPlugin[] {
    const problems: string[] = [];
    const resolved: ResolvedPlugin[] = [];
    for (const name of names) {
      const def = this.plugins.get(name);
      if (!def) {
        const hint = suggest(name, this.plugins.keys());
        problems.push(
          `unknown plugin "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}; known plugins: ${this.names.join(", ")}`,
        );
        continue;
      }
      const parsed = def.options.safeParse(options[name] ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const at = ["plugin_options", name, ...issue.path.map(String)].join(".");
          problems.push(`${at}: ${issue.message}`);
        }
        continue;
      }
      resolved.push({ definition: def, options: parsed.data });
    }
    for (const key of Object.keys(options)) {
      if (!names.includes(key) && !this.plugins.has(key)) {
        const hint = suggest(key, this.plugins.keys());
        problems.push(`plugin_options.${key}: no such plugin${hint ? ` (did you mean "${hint}"?)` : ""}`);
      }
    }
    if (problems.length > 0) throw new PluginError(problems);
    return resolved;
  }

  /** Builds one session's processors from resolved plugins. */
  static build(resolved: readonly ResolvedPlugin[], ctx: ProcessorContext): Processor[] {
    return resolved.map((r) => r.definition.create(ctx, r.options));
  }
}
