// Turns zod issues into ConfigIssues that read like a checklist:
//   port: expected an integer ≤ 65535, got 70000 (set by VOXRAY_PORT)
// Unions are flattened to the branch the user evidently meant, so an ICE server object with
// a bad `urls` reports `webrtc_ice_servers[1].urls`, not "invalid input" on the element.

import type { core } from "zod";
import { formatKeyPath, type ConfigIssue } from "./errors.ts";

type Issue = core.$ZodIssue;

/** Where a value came from when it was not the file: key path → "VOXRAY_PORT", "--port". */
export type Provenance = ReadonlyMap<string, string>;

// Values under these keys are secrets (or URLs/DSNs that may hold passwords): never echoed.
const SECRET_PATH = /key|secret|token|credential|password|dsn|redis_url/i;

export function issuesFromZod(issues: readonly Issue[], provenance: Provenance = new Map()): ConfigIssue[] {
  return flatten(issues, []).map((issue) => {
    const path = formatKeyPath(issue.path);
    const source = sourceOf(issue.path, provenance);
    const shown = describeIssue(issue, SECRET_PATH.test(path));
    return { path, message: source === undefined ? shown : `${shown} (set by ${source})` };
  });
}

function flatten(issues: readonly Issue[], prefix: readonly PropertyKey[]): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union" || issue.errors.length === 0) {
      out.push({ ...issue, path } as Issue);
      continue;
    }
    // A branch whose only complaint is "wrong type at the top" is a branch the user did
    // not mean. When exactly one branch got further, its issues are the real ones.
    const meant = issue.errors.filter((branch) => !branch.every((b) => b.code === "invalid_type" && b.path.length === 0));
    if (meant.length === 1 && meant[0] !== undefined) {
      out.push(...flatten(meant[0], path));
      continue;
    }
    const expected = issue.errors.flatMap((branch) => branch.flatMap((b) => (b.code === "invalid_type" ? [b.expected] : [])));
    const message =
      issue.message !== "Invalid input" ? issue.message : `expected ${[...new Set(expected)].map(typeName).join(" or ")}`;
    out.push({ ...issue, path, message } as Issue);
  }
  return out;
}

function describeIssue(issue: Issue, secret: boolean): string {
  const input = (issue as { input?: unknown }).input;
  const got = secret || input === undefined ? "" : `, got ${show(input)}`;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined && "input" in issue) return "required";
      return `expected ${typeName(issue.expected)}${got}`;
    case "too_big":
      return `expected ${bound(issue.origin, issue.inclusive ? "≤" : "<", issue.maximum)}${got}`;
    case "too_small":
      return `expected ${bound(issue.origin, issue.inclusive ? "≥" : ">", issue.minimum)}${got}`;
    case "invalid_value":
      return `expected one of ${issue.values
        .filter((v) => v !== "")
        .map((v) => JSON.stringify(v))
        .join(", ")}${got}`;
    case "invalid_format":
      return `${issue.message.startsWith("Invalid") ? `expected a valid ${issue.format}` : issue.message}${got}`;
    default:
      return issue.message;
  }
}

function bound(origin: string, op: string, limit: number | bigint): string {
  if (origin === "array" || origin === "set") return `a list of ${op} ${limit} items`;
  if (origin === "string") return `a string of length ${op} ${limit}`;
  return `a number ${op} ${limit}`;
}

function typeName(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "array") return "a list";
  if (expected === "object") return "an object";
  return `a ${expected}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function sourceOf(path: readonly PropertyKey[], provenance: Provenance): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const source = provenance.get(formatKeyPath(path.slice(0, n)));
    if (source !== undefined) return source;
  }
  return undefined;
}
