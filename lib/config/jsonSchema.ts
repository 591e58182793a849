// JSON Schema of the config file, generated from the zod schema, for editors:
//   voxray config schema > voxray.schema.json
// then add "$schema": "./voxray.schema.json" to a config file for completion, the key
// descriptions on hover, and squiggles under misspelt keys.

import { z } from "zod";
import { VoxrayConfigSchema } from "./schema.ts";

type JsonObject = Record<string, unknown>;

export function configJsonSchema(): JsonObject {
  // "input": what a file may contain (defaults make keys optional; transforms do not apply).
  const schema = z.toJSONSchema(VoxrayConfigSchema, { io: "input", unrepresentable: "any" }) as JsonObject;
  closeObjects(schema);
  const properties = schema["properties"] as JsonObject;
  const $schema = { type: "string", description: "Path or URL of this JSON Schema (ignored by Voxray)." };
  return {
    ...schema,
    title: "Voxray configuration",
    description: "Configuration of a Voxray voice-agent server. Keys starting with _comment are ignored.",
    properties: { $schema, ...properties },
  };
}

/** Every object with declared properties allows `_comment*` keys and no other unknown keys. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const object = node as JsonObject;
  if (object["type"] === "object" && object["properties"] !== undefined && object["additionalProperties"] === undefined) {
    object["patternProperties"] = { "^_comment": {} };
    object["additionalProperties"] = false;
  }
  Object.values(object).forEach(closeObjects);
}
