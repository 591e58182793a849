// The conversation context of one session: the messages, tools and tool choice the LLM runs on.
//
// One store per session, shared by the processors that write it, each writing what only it
// knows: the user aggregator adds user messages (and applies LLMMessages*/LLMSetTool* frames),
// the LLM processor adds each finished tool round (the assistant's tool_calls message together
// with every result, never one without the other: the API rejects a tool call that has no
// answer), and the assistant aggregator adds what the bot said, cut back to what was heard
// when the user interrupts. A session runs its frames on one thread, so no locking is needed.

import type { ChatMessage, LLMContext, ToolChoice, ToolSchema } from "../../frames/index.ts";

export interface LLMContextInit {
  /** Starts the conversation as a system message; empty or absent = no system message. */
  readonly systemPrompt?: string;
  /** Messages after the system prompt (a restored conversation, a greeting). */
  readonly messages?: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  readonly toolChoice?: ToolChoice;
}

export interface LLMContextStore {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSchema[] | undefined;
  readonly toolChoice: ToolChoice | undefined;
  /** An immutable copy, as carried by an LLMContextFrame. */
  snapshot(): LLMContext;
  add(...messages: ChatMessage[]): void;
  /** Replaces the whole conversation, system message included (LLMMessagesUpdateFrame). */
  setMessages(messages: readonly ChatMessage[]): void;
  /**
   * Replaces `message` (found by identity) with `by`, or removes it when `by` is null.
   * Returns false when the message is no longer in the context (replaced by setMessages).
   */
  replace(message: ChatMessage, by: ChatMessage | null): boolean;
  setTools(tools: readonly ToolSchema[] | undefined): void;
  setToolChoice(choice: ToolChoice | undefined): void;
  /** Called after every change with the new message list (transcript storage, IVR hooks). */
  onChange(listener: (messages: readonly ChatMessage[]) => void): () => void;
}

export function createLLMContext(init: LLMContextInit = {}): LLMContextStore {
  let messages: ChatMessage[] = [
    ...(init.systemPrompt ? [{ role: "system", content: init.systemPrompt } as const] : []),
    ...(init.messages ?? []),
  ];
  let tools = init.tools;
  let toolChoice = init.toolChoice;
  const listeners = new Set<(messages: readonly ChatMessage[]) => void>();
  const changed = (): void => {
    for (const listener of listeners) listener(messages);
  };

  return {
    get messages() {
      return messages;
    },
    get tools() {
      return tools;
    },
    get toolChoice() {
      return toolChoice;
    },
    snapshot() {
      return Object.freeze({
        messages: Object.freeze([...messages]),
        ...(tools !== undefined ? { tools } : {}),
        ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
      });
    },
    add(...added) {
      if (added.length === 0) return;
      messages = [...messages, ...added];
      changed();
    },
    setMessages(next) {
      messages = [...next];
      changed();
    },
    replace(message, by) {
      const at = messages.indexOf(message);
      if (at < 0) return false;
      messages = by ? messages.with(at, by) : messages.toSpliced(at, 1);
      changed();
      return true;
    },
    setTools(next) {
      tools = next;
    },
    setToolChoice(next) {
      toolChoice = next;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
