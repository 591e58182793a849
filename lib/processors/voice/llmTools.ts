// Tools the LLM may call, registered in code (MCP tools plug in through the same shape), and the
// running of one call as a cancellable Observable: unsubscribing aborts the handler's signal.
//
// A call never fails the response: a missing tool, arguments that are not JSON, or a handler
// that throws all become a result `{"error": "..."}` that goes back to the model, which can then
// tell the user or try differently.

import { defer, from, isObservable, map, Observable, of, take, defaultIfEmpty } from "rxjs";
import type { ToolCall, ToolSchema } from "../../frames/index.ts";
import { errorMessage } from "../../pipeline/errors.ts";

export interface ToolHandlerOptions {
  /** Aborted when the call is cancelled (the user interrupted, the session ended). */
  readonly signal: AbortSignal;
  readonly call: ToolCall;
}

/**
 * Runs one call. Returns the result (any JSON value, or a string given to the model as it is),
 * a Promise of it, or an Observable whose first value is the result.
 */
export type ToolHandler = (args: unknown, options: ToolHandlerOptions) => unknown;

export interface LLMTool {
  readonly schema: ToolSchema;
  readonly handler: ToolHandler;
}

export interface ToolOutcome {
  readonly call: ToolCall;
  /** The parsed arguments (the raw string when they were not valid JSON). */
  readonly args: unknown;
  readonly result: unknown;
}

/** Registered tools by function name; a name registered twice is a programming error. */
export function toolRegistry(tools: readonly LLMTool[]): ReadonlyMap<string, LLMTool> {
  const byName = new Map<string, LLMTool>();
  for (const tool of tools) {
    const name = tool.schema.function.name;
    if (byName.has(name)) throw new Error(`tool "${name}" is registered twice`);
    byName.set(name, tool);
  }
  return byName;
}

/**
 * The tools offered to the model: every registered tool, plus the context's tools (set by
 * LLMSetToolsFrame) that have no registered handler of the same name.
 */
export function offeredTools(registry: ReadonlyMap<string, LLMTool>, contextTools: readonly ToolSchema[] | undefined): readonly ToolSchema[] {
  const offered = [...registry.values()].map((t) => t.schema);
  for (const schema of contextTools ?? []) if (!registry.has(schema.function.name)) offered.push(schema);
  return offered;
}

/** One tool call: emits exactly one outcome, then completes. */
export function runToolCall(registry: ReadonlyMap<string, LLMTool>, call: ToolCall): Observable<ToolOutcome> {
  return defer(() => {
    const name = call.function.name;
    const raw = call.function.arguments;
    let args: unknown;
    try {
      args = raw.trim() === "" ? {} : JSON.parse(raw);
    } catch (error) {
      return of({ call, args: raw, result: { error: `arguments of "${name}" are not valid JSON: ${errorMessage(error)}` } });
    }
    const tool = registry.get(name);
    if (!tool) return of({ call, args, result: { error: `no tool named "${name}" is available` } });
    return handlerResult(tool.handler, args, call).pipe(map((result) => ({ call, args, result })));
  });
}

function handlerResult(handler: ToolHandler, args: unknown, call: ToolCall): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const controller = new AbortController();
    let finished = false;
    const fail = (error: unknown): void => {
      finished = true;
      subscriber.next({ error: errorMessage(error) });
      subscriber.complete();
    };
    let result$: Observable<unknown>;
    try {
      const out = handler(args, { signal: controller.signal, call });
      result$ = isObservable(out) ? out.pipe(take(1), defaultIfEmpty(null)) : isPromiseLike(out) ? from(out) : of(out);
    } catch (error) {
      fail(error);
      return;
    }
    const inner = result$.subscribe({
      next: (value) => {
        finished = true;
        subscriber.next(value);
      },
      error: fail,
      complete: () => {
        finished = true;
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      // Only a call still running is cancelled; a finished handler's signal stays quiet.
      if (!finished) controller.abort(new Error(`tool call "${call.function.name}" cancelled`));
    };
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
