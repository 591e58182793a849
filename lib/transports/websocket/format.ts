// Which wire format a `/ws` client speaks, from its query string:
//
//   ?format=protobuf   Pipecat's binary protobuf frames (@pipecat-ai/websocket-transport)
//   ?rtvi=1            RTVI messages as bare JSON objects, through the JSON serializer
//                      (it passes {"label":"rtvi-ai",…} objects through both ways)
//   otherwise          the JSON envelope {"type","data"} (?format=json says so explicitly)

import type { IdSource } from "../../frames/index.ts";
import { jsonSerializer } from "../../serializers/json.ts";
import { protobufSerializer } from "../../serializers/protobuf.ts";
import type { FrameSerializer } from "../../serializers/serializer.ts";

export type WireFormat = "json" | "protobuf";

export interface ClientFormat {
  readonly format: WireFormat;
  /** The client speaks RTVI from its first message. */
  readonly rtvi: boolean;
}

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormatError";
  }
}

const TRUE_WORDS = new Set(["", "1", "true", "yes", "on"]);

/** The client's format; throws FormatError for an unknown `format`. */
export function clientFormat(query: URLSearchParams): ClientFormat {
  const format = (query.get("format") ?? "json").trim().toLowerCase();
  const rtviParam = query.get("rtvi");
  const rtvi = rtviParam !== null && TRUE_WORDS.has(rtviParam.trim().toLowerCase());
  if (format === "protobuf" || format === "proto" || format === "binary") return { format: "protobuf", rtvi: true };
  if (format === "json" || format === "") return { format: "json", rtvi };
  throw new FormatError(`unknown format "${format}": use format=json (default) or format=protobuf`);
}

export function serializerFor(format: WireFormat, ids: IdSource): FrameSerializer {
  return format === "protobuf" ? protobufSerializer(ids) : jsonSerializer(ids);
}
