// LLM processor: runs the model on each LLMContextFrame and streams the answer downstream.
//
//   LLMFullResponseStartFrame, LLMTextFrame per token, …, LLMFullResponseEndFrame
//
// When the model asks for tools, the round is: FunctionCallsStartedFrame, a
// FunctionCallInProgressFrame per call, the handlers run in parallel, a FunctionCallResultFrame
// per result (uninterruptible: it reports work that really happened), then the assistant's
// tool_calls message and every result are added to the context together and the model runs
// again, all inside the same response. At most `maxToolRounds` rounds (default 5) run; the model
// call after the last one is told `tool_choice: "none"`, so it must answer in words.
//
// The whole response is one Observable handed to the data lane, so an InterruptionFrame
// unsubscribes it: the provider's HTTP stream is aborted, running tool handlers see their
// signal abort, and no token frame can follow the cut. A half-finished tool round is not
// recorded. A provider error ends the response early (the End frame still follows, so TTS
// speaks what it has) and is reported upstream; the session goes on.

import { concat, concatMap, defer, EMPTY, merge, Observable, of, catchError } from "rxjs";
import {
  createFrame,
  type ChatMessage,
  type Frame,
  type FrameInit,
  type FrameType,
  type LLMContext,
  type ToolCall,
  type ToolChoice,
} from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { errorFrame, reportUpstream } from "../../pipeline/errors.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";
import { emitEach } from "../../operators/emitEach.ts";
import { lanes } from "../../operators/lanes.ts";
import { ServiceError } from "../../services/service-error.ts";
import type { LLMEvent, LLMService } from "../../services/types.ts";
import type { LLMContextStore } from "../aggregators/llmContext.ts";
import { resultText } from "../aggregators/userContextAggregator.ts";
import { offeredTools, runToolCall, toolRegistry, type LLMTool, type ToolOutcome } from "./llmTools.ts";

export const DEFAULT_MAX_TOOL_ROUNDS = 5;

export interface LLMProcessorOptions {
  readonly service: LLMService;
  /** Tools the model may call, with the code that runs them. */
  readonly tools?: readonly LLMTool[];
  /** Where finished tool rounds are recorded, so later turns see them. */
  readonly context?: LLMContextStore;
  /** Tool rounds per response before the model must answer in words. @defaultValue 5 */
  readonly maxToolRounds?: number;
}

export function llmProcessor(ctx: ProcessorContext, options: LLMProcessorOptions): Processor {
  const { service } = options;
  const name = `llm:${service.name}`;
  const registry = toolRegistry(options.tools ?? []);
  const maxToolRounds = options.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS;
  if (!Number.isInteger(maxToolRounds) || maxToolRounds < 0) {
    throw new RangeError(`maxToolRounds must be a whole number >= 0, got ${maxToolRounds}`);
  }
  const frame = createFrameFor(ctx);

  return processor(name, (ports) => {
    const labels = { provider: service.name, model: service.model };
    const report = (error: unknown): Observable<never> => {
      ctx.log.warn({ err: error, processor: name }, "LLM response failed");
      ctx.metrics.inc("llm_errors_total", { provider: service.name, error_type: errorType(error) });
      ports.pushUp(errorFrame(ctx, name, error));
      return EMPTY;
    };

    /** One response: every model round and tool round until the model answers in words. */
    const respond = (context: LLMContext): Observable<Frame> => {
      const messages: ChatMessage[] = [...context.messages];
      const tools = offeredTools(registry, context.tools);
      const requestedAt = ctx.scheduler.now();
      let firstToken = true;

      const modelRound = (round: number, toolChoice: ToolChoice | undefined): Observable<Frame> =>
        defer(() => {
          let calls: readonly ToolCall[] = [];
          const events$ = service
            .stream({
              messages: [...messages],
              ...(tools.length > 0 ? { tools } : {}),
              ...(tools.length > 0 && toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
            })
            .pipe(
              emitEach((event: LLMEvent): Frame[] => {
                switch (event.type) {
                  case "text":
                    if (event.text === "") return [];
                    if (firstToken) {
                      firstToken = false;
                      ctx.metrics.observe("llm_time_to_first_token_seconds", (ctx.scheduler.now() - requestedAt) / 1000, labels);
                    }
                    return [frame("LLMTextFrame", { text: event.text, includes_inter_frame_spaces: true })];
                  case "tool_calls":
                    calls = event.calls;
                    return [];
                  case "usage":
                    ctx.log.debug({ processor: name, ...event }, "LLM token usage");
                    return [];
                  default:
                    return [];
                }
              }),
            );
          return concat(
            events$,
            defer(() => {
              if (calls.length === 0) return EMPTY;
              if (round >= maxToolRounds) {
                return report(new Error(`the model still asked for tools after ${maxToolRounds} tool rounds; its calls were not run`));
              }
              return toolRound(calls, round, toolChoice);
            }),
          );
        });

      const toolRound = (calls: readonly ToolCall[], round: number, toolChoice: ToolChoice | undefined): Observable<Frame> => {
        const outcomes = new Map<string, ToolOutcome>();
        const started = frame("FunctionCallsStartedFrame", {
          function_calls: calls.map((c) => ({ function_name: c.function.name, tool_call_id: c.id })),
        });
        const inProgress = calls.map((c) =>
          frame("FunctionCallInProgressFrame", { function_name: c.function.name, tool_call_id: c.id, arguments: parseForReport(c.function.arguments) }),
        );
        const results = merge(
          ...calls.map((call) =>
            runToolCall(registry, call).pipe(
              concatMap((outcome) => {
                outcomes.set(call.id, outcome);
                return [
                  frame("FunctionCallResultFrame", {
                    function_name: call.function.name,
                    tool_call_id: call.id,
                    arguments: outcome.args,
                    result: outcome.result,
                  }),
                ];
              }),
            ),
          ),
        );
        const next = defer(() => {
          // Recorded only now, all together: a tool_calls message without every answer is invalid.
          const recorded: ChatMessage[] = [
            { role: "assistant", content: null, tool_calls: calls },
            ...calls.map((c): ChatMessage => ({ role: "tool", tool_call_id: c.id, content: resultText(outcomes.get(c.id)?.result) })),
          ];
          messages.push(...recorded);
          options.context?.add(...recorded);
          const rounds = round + 1;
          return modelRound(rounds, rounds >= maxToolRounds ? "none" : followUpChoice(toolChoice));
        });
        return concat(of(started, ...inProgress), results, next);
      };

      return concat(
        of(frame("LLMFullResponseStartFrame", {})),
        modelRound(0, maxToolRounds === 0 ? "none" : context.tool_choice).pipe(catchError(report)),
        defer(() => {
          ctx.metrics.observe("llm_generation_latency_seconds", (ctx.scheduler.now() - requestedAt) / 1000, labels);
          return of(frame("LLMFullResponseEndFrame", {}));
        }),
      );
    };

    return {
      down: lanes(
        { data: (f) => (f.type === "LLMContextFrame" ? respond(f.context) : f) },
        { onError: reportUpstream(ctx, name, ports.pushUp) },
      ),
    };
  });
}

/**
 * The tool choice after a tool round. "required" or a named function would force yet another
 * call every round, so those become "auto" once they have been honoured.
 */
function followUpChoice(choice: ToolChoice | undefined): ToolChoice | undefined {
  return choice === undefined || choice === "auto" || choice === "none" ? choice : "auto";
}

/** The `error_type` metric label: the HTTP status when the provider answered, else the error's name. */
function errorType(error: unknown): string {
  if (error instanceof ServiceError && error.status !== undefined) return String(error.status);
  return error instanceof Error ? error.name : "error";
}

function parseForReport(raw: string): unknown {
  try {
    return raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    return raw;
  }
}

function createFrameFor(ctx: ProcessorContext) {
  return <K extends FrameType>(type: K, fields: FrameInit<K>): Frame => createFrame(ctx.ids, type, fields) as Frame;
}
