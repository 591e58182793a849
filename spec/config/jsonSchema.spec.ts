// The JSON Schema for editors documents every key and matches the zod schema's defaults.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../lib/config/jsonSchema.ts";
import { configShape, DEFAULT_CONFIG } from "../../lib/config/schema.ts";
import { initTemplateText } from "../../lib/config/initTemplate.ts";

const schema = configJsonSchema();
const properties = schema["properties"] as Record<string, Record<string, unknown>>;

describe("configJsonSchema", () => {
  it("has a described property for every config key, plus $schema", () => {
    expect(Object.keys(properties).sort()).toEqual(["$schema", ...Object.keys(configShape)].sort());
    const undocumented = Object.entries(properties).filter(([, p]) => typeof p["description"] !== "string");
    expect(undocumented.map(([key]) => key)).toEqual([]);
  });

  it("carries the zod defaults and bounds", () => {
    expect(properties["port"]).toMatchObject({ type: "integer", minimum: 0, maximum: 65535, default: DEFAULT_CONFIG.port });
    expect(properties["transport"]).toMatchObject({ enum: ["websocket", "smallwebrtc", "both"], default: "websocket" });
    expect(properties["vad_confidence"]).toMatchObject({ default: 0.7, minimum: 0, maximum: 1 });
    expect(properties["pipeline_input_overflow"]).toMatchObject({ enum: ["pause", "drop_oldest", "error"] });
  });

  it("accepts both forms of ICE server", () => {
    const items = (properties["webrtc_ice_servers"]?.["items"] as { anyOf: { type: string }[] }).anyOf;
    expect(items.map((i) => i.type)).toEqual(["string", "object"]);
  });

  it("flags unknown keys in editors but allows _comment keys, at the top and in sections", () => {
    expect(schema).toMatchObject({ type: "object", additionalProperties: false, patternProperties: { "^_comment": {} } });
    expect(properties["recording"]).toMatchObject({ additionalProperties: false, patternProperties: { "^_comment": {} } });
    // Maps keep their open shape.
    expect(properties["api_keys"]?.["additionalProperties"]).toEqual({ type: "string" });
  });

  it("knows every key the shipped configs use", () => {
    const files = ["config/default.json", "config/examples/openai.json", "config/examples/groq.json", "config/examples/ollama.json"];
    const texts = [...files.map((f) => readFileSync(f, "utf8")), initTemplateText()];
    for (const text of texts) {
      const keys = Object.keys(JSON.parse(text) as object).filter((k) => !k.startsWith("_comment"));
      expect(keys.filter((k) => !(k in properties))).toEqual([]);
    }
  });
});
