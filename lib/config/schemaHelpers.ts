// Small builders shared by the config sections, so every key reads as one line:
// its type, its bounds, its default, and what it means.

import { z } from "zod";

/** Text that may be absent. "" and blanks mean "not set", as they did in the Go original. */
export function optionalText(description: string) {
  return z
    .string()
    .trim()
    .transform((s) => (s === "" ? undefined : s))
    .optional()
    .describe(description);
}

/** A provider name: case and blanks do not matter ("OpenAI " is "openai"). */
export function optionalProvider(description: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .transform((s) => (s === "" ? undefined : s))
    .optional()
    .describe(description);
}

/** An http(s) or ws(s) base URL that replaces a provider's default endpoint. */
export function optionalBaseUrl(description: string) {
  return z
    .url({ protocol: /^(https?|wss?)$/, error: "expected an http(s):// or ws(s):// URL" })
    .optional()
    .describe(description);
}

/** A duration in seconds, ≥ 0. */
export function seconds(defaultValue: number, description: string) {
  return z.number().min(0).default(defaultValue).describe(description);
}

/** A number in [0, 1]. */
export function fraction(defaultValue: number, description: string) {
  return z.number().min(0).max(1).default(defaultValue).describe(description);
}

/** An integer ≥ `min`. */
export function integer(min: number, defaultValue: number, description: string) {
  return z.number().int().min(min).default(defaultValue).describe(description);
}

export function flag(defaultValue: boolean, description: string) {
  return z.boolean().default(defaultValue).describe(description);
}
