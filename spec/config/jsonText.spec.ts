// JSON syntax errors in config files point at the line and column, and say what is wrong.

import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors.ts";
import { findSyntaxError, parseJsonText } from "../../lib/config/jsonText.ts";

function problem(text: string): string {
  try {
    parseJsonText(text, "c.json");
  } catch (error) {
    if (error instanceof ConfigError) return error.issues[0]?.message ?? "";
    throw error;
  }
  return "parsed";
}

describe("parseJsonText", () => {
  it.each([
    ['{"a": 1,}', "c.json:1:9: invalid JSON: trailing comma before }"],
    ['{"a": [1, 2,]}', "c.json:1:13: invalid JSON: trailing comma before ]"],
    ['{"a": 1\n "b": 2}', "c.json:2:2: invalid JSON: expected ',' or '}' after the value (missing comma?)"],
    ["{a: 1}", "c.json:1:2: invalid JSON: expected a property name in double quotes"],
    ["{'a': 1}", "c.json:1:2: invalid JSON: expected a property name in double quotes"],
    ['{"a": tru}', 'c.json:1:7: invalid JSON: unexpected "t"; expected a value'],
    ['{"a": 1', "c.json:1:8: invalid JSON: unexpected end of file"],
    ["", "c.json:1:1: invalid JSON: unexpected end of file"],
    ['{"a": "x', "c.json:1:7: invalid JSON: unterminated string"],
    ['{\n  // note\n  "a": 1\n}', 'c.json:2:3: invalid JSON: comments are not allowed in JSON (use a "_comment" key)'],
    ['{"a": 1} {"b": 2}', "c.json:1:10: invalid JSON: unexpected text after the end of the JSON value"],
    ['{"a": 01}', "c.json:1:8: invalid JSON: expected ',' or '}' after the value (missing comma?)"],
    ['{"a": "\\x"}', "c.json:1:8: invalid JSON: invalid escape in string"],
  ])("reports %j as %s", (text, expected) => {
    expect(problem(text)).toBe(expected);
  });

  it("parses valid JSON, with or without a byte order mark", () => {
    expect(parseJsonText('\uFEFF{"a": [1, {"b": null}], "c": "\\u00e9"}', "c.json")).toEqual({ a: [1, { b: null }], c: "é" });
  });

  it("finds no error in anything JSON.parse accepts", () => {
    const samples = ['{"x": -1.5e+3, "y": [true, false, null], "z": {"": "\\n\\t\\"\\\\"}}', "[]", "  42  ", '"s"'];
    for (const text of samples) expect(findSyntaxError(text)).toBeUndefined();
  });
});
