// Turns a fetch `RequestInit.body` into bytes that node:http can write in one call. The
// `openai` client sends JSON strings and, for uploads, a FormData holding a File; the other
// body kinds of the fetch standard are covered so the fetch stays a fetch. A FormData is
// written as multipart/form-data the way the standard describes (names and file names
// escaped, line breaks in text values normalised to CRLF), in one buffer: writing the
// form's parts one by one cost a syscall per part, ~1 ms of CPU per 3 s upload.

import { randomBytes } from "node:crypto";

export interface EncodedBody {
  /** The whole body when it is known up front (every body the `openai` client sends here). */
  readonly bytes?: Uint8Array;
  /** A streamed body, sent chunked. */
  readonly stream?: AsyncIterable<Uint8Array>;
  /** The content type the body implies, used when the request sets none. */
  readonly contentType?: string;
}

type BodyLike = NonNullable<RequestInit["body"]>;

export async function encodeRequestBody(body: RequestInit["body"] | undefined): Promise<EncodedBody | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return { bytes: Buffer.from(body, "utf8"), contentType: "text/plain;charset=UTF-8" };
  if (body instanceof Uint8Array) return { bytes: body };
  if (ArrayBuffer.isView(body)) return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  if (body instanceof ArrayBuffer || body instanceof SharedArrayBuffer) return { bytes: new Uint8Array(body) };
  if (body instanceof URLSearchParams) {
    return { bytes: Buffer.from(body.toString(), "utf8"), contentType: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (body instanceof Blob) {
    return { bytes: new Uint8Array(await body.arrayBuffer()), ...(body.type ? { contentType: body.type } : {}) };
  }
  if (body instanceof FormData) return encodeMultipart(body);
  if (isAsyncIterable(body)) return { stream: bytesOf(body) };
  throw new TypeError(`unsupported request body type ${describe(body)}`);
}

/** multipart/form-data as the fetch standard encodes a FormData. */
export async function encodeMultipart(form: FormData): Promise<EncodedBody> {
  const boundary = `----formdata-${randomBytes(12).toString("hex")}`;
  const parts: Uint8Array[] = [];
  let text = "";
  // Consecutive text (headers, string values) is gathered into one string, so a form of a few
  // fields and one file becomes three buffers before the final concat.
  const flushText = () => {
    if (text) parts.push(Buffer.from(text, "utf8"));
    text = "";
  };
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, name) => entries.push([name, value]));
  for (const [name, value] of entries) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"`;
    if (typeof value === "string") {
      text += `\r\n\r\n${normalizeLineBreaks(value)}\r\n`;
      continue;
    }
    const file = value as Blob & { readonly name?: string };
    text += `; filename="${escapeQuoted(file.name ?? "blob")}"\r\nContent-Type: ${file.type || "application/octet-stream"}\r\n\r\n`;
    flushText();
    parts.push(new Uint8Array(await file.arrayBuffer()));
    text += "\r\n";
  }
  text += `--${boundary}--\r\n`;
  flushText();
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Names and file names are quoted; the standard percent-encodes the three characters that would break the quoting. */
function escapeQuoted(value: string): string {
  return value.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}

function normalizeLineBreaks(value: string): string {
  return value.replace(/\r\n|\r|\n/g, "\r\n");
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** A ReadableStream (async iterable in Node) or any async iterable of byte chunks or strings. */
async function* bytesOf(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (typeof chunk === "string") yield Buffer.from(chunk, "utf8");
    else if (chunk instanceof Uint8Array) yield chunk;
    else if (ArrayBuffer.isView(chunk)) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) yield new Uint8Array(chunk);
    else throw new TypeError(`request body stream yielded ${describe(chunk)}, expected bytes`);
  }
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return (value as BodyLike).constructor?.name ?? "object";
}
