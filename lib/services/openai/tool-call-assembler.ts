// Streamed tool calls arrive as deltas: the first delta of a call carries its index, id and
// function name, later ones carry only the index and a slice of the JSON arguments, and parallel
// calls may interleave. Deltas are merged by index; id and name are taken from the first delta
// that has them and never overwritten by the empty values of later ones (overwriting them is
// how a multi-chunk call loses its name).

import type { ToolCall } from "../../frames/fields.ts";

/** The shape of one `delta.tool_calls[]` entry on the OpenAI wire. */
export interface ToolCallDelta {
  readonly index?: number;
  readonly id?: string | null;
  readonly type?: string | null;
  readonly function?: { readonly name?: string | null; readonly arguments?: string | null } | null;
}

interface PartialCall {
  id: string;
  name: string;
  args: string;
}

export interface ToolCallAssembler {
  add(deltas: readonly ToolCallDelta[]): void;
  readonly size: number;
  /** The complete calls ordered by index; throws when a call never received a function name. */
  finish(): ToolCall[];
}

export function toolCallAssembler(): ToolCallAssembler {
  const calls = new Map<number, PartialCall>();
  return {
    add(deltas) {
      deltas.forEach((delta, position) => {
        // Some OpenAI-compatible servers omit `index` when they send whole calls; position is then the index.
        const index = delta.index ?? position;
        let call = calls.get(index);
        if (!call) {
          call = { id: "", name: "", args: "" };
          calls.set(index, call);
        }
        if (!call.id && delta.id) call.id = delta.id;
        if (!call.name && delta.function?.name) call.name = delta.function.name;
        if (delta.function?.arguments) call.args += delta.function.arguments;
      });
    },
    get size() {
      return calls.size;
    },
    finish() {
      return [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, call]) => {
          if (!call.name) throw new Error(`tool call at index ${index} has no function name`);
          return {
            // A few servers send no id; the tool result message still needs one to refer to.
            id: call.id || `call_${index}`,
            type: "function" as const,
            // A call without parameters may stream no argument text at all; "{}" keeps it parseable.
            function: { name: call.name, arguments: call.args || "{}" },
          };
        });
    },
  };
}
