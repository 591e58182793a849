// Parses a config file's JSON. On a syntax error the message names the file, line and
// column, and says what was expected, the same way on every Node version (V8's own
// messages vary and sometimes carry no position at all).

import { ConfigError } from "./errors.ts";

export function parseJsonText(text: string, file: string): unknown {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const found = findSyntaxError(body);
    const reason = found?.reason ?? (error instanceof Error ? error.message : String(error));
    const where = found === undefined ? file : `${file}:${lineColumn(body, found.offset)}`;
    throw new ConfigError([{ path: "", message: `${where}: invalid JSON: ${reason}` }], file);
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${line}:${column}`;
}

interface SyntaxProblem {
  readonly offset: number;
  readonly reason: string;
}

class Stop {
  constructor(readonly problem: SyntaxProblem) {}
}

/** A small JSON recognizer that reports where and why the text stops being JSON. */
export function findSyntaxError(text: string): SyntaxProblem | undefined {
  let at = 0;
  const fail = (reason: string, offset = at): never => {
    // Running out of text explains every other complaint at that point.
    throw new Stop({ offset, reason: offset >= text.length ? "unexpected end of file" : reason });
  };
  const space = () => {
    while (/\s/.test(text[at] ?? "")) at++;
    if (text.startsWith("//", at) || text.startsWith("/*", at)) fail('comments are not allowed in JSON (use a "_comment" key)');
  };
  const value = (): void => {
    space();
    const c = text[at];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return;
      }
    }
    if (c === "'") fail("strings must use double quotes");
    fail(`unexpected ${JSON.stringify(c)}; expected a value`);
  };
  const object = () => {
    at++;
    space();
    if (text[at] === "}") return void at++;
    for (;;) {
      space();
      if (text[at] === "}") fail("trailing comma before }");
      if (text[at] !== '"') fail("expected a property name in double quotes");
      string();
      space();
      if (text[at] !== ":") fail("expected ':' after the property name");
      at++;
      value();
      space();
      if (text[at] === ",") at++;
      else if (text[at] === "}") return void at++;
      else fail("expected ',' or '}' after the value (missing comma?)");
    }
  };
  const array = () => {
    at++;
    space();
    if (text[at] === "]") return void at++;
    for (;;) {
      space();
      if (text[at] === "]") fail("trailing comma before ]");
      value();
      space();
      if (text[at] === ",") at++;
      else if (text[at] === "]") return void at++;
      else fail("expected ',' or ']' after the value (missing comma?)");
    }
  };
  const string = () => {
    const start = at++;
    for (;;) {
      const c = text[at];
      if (c === undefined) fail("unterminated string", start);
      if (c === '"') return void at++;
      if (c === "\n") fail("unterminated string", start);
      if (c !== undefined && c < " ") fail("control character in string");
      if (c === "\\") {
        const e = text[at + 1] ?? "";
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if ('"\\/bfnrt'.includes(e) && e !== "") at += 2;
        else fail("invalid escape in string");
      } else at++;
    }
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (match === null) fail("invalid number");
    at += match?.[0].length ?? 0;
  };
  try {
    value();
    space();
    if (at < text.length) fail("unexpected text after the end of the JSON value");
    return undefined;
  } catch (stop) {
    if (stop instanceof Stop) return stop.problem;
    throw stop;
  }
}
