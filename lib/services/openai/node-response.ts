// The `Response` that the node:http fetch hands to the `openai` client: status, headers (the
// platform's Headers), and a body read straight from the node:http response stream. The body
// is an async iterable of byte chunks with a small `getReader()` on top, instead of a WHATWG
// ReadableStream: adapting a Node stream into one costs a transferable object, a byte-stream
// controller and a few promises per chunk, which is where much of fetch's per-request CPU
// went. Everything the client uses (status, ok, headers, body iteration, text, json) and the
// rest of the read side of Response (arrayBuffer, bytes, blob, formData, bodyUsed) is here;
// `clone()` is not (nothing here tees a body).

import type { Readable } from "node:stream";

const utf8 = new TextDecoder();

/**
 * The chunks of `response.body`, for either fetch: Node's ReadableStream and this module's body
 * are both async iterables (the TypeScript lib here does not declare it for ReadableStream).
 * Leaving the iteration early cancels the body, which closes the connection.
 */
export function bodyChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return body as unknown as AsyncIterable<Uint8Array>;
}

/** A response body: each chunk as it arrives, once. Breaking out of the iteration closes the connection. */
export class NodeResponseBody implements AsyncIterable<Uint8Array> {
  readonly #source: Readable;
  #used = false;

  constructor(source: Readable) {
    this.#source = source;
  }

  /** True once reading has started (a ReadableStream with a reader is "locked"). */
  get locked(): boolean {
    return this.#used;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#used) throw new TypeError("Response body has already been read");
    this.#used = true;
    return this.#source[Symbol.asyncIterator]();
  }

  /** The subset of ReadableStreamDefaultReader that readers of `response.body` call. */
  getReader(): { read(): Promise<IteratorResult<Uint8Array, undefined>>; cancel(reason?: unknown): Promise<void>; releaseLock(): void } {
    const chunks = this[Symbol.asyncIterator]();
    return {
      read: () => chunks.next() as Promise<IteratorResult<Uint8Array, undefined>>,
      cancel: async () => {
        await chunks.return?.();
      },
      releaseLock: () => {},
    };
  }

  /** Discards the rest of the body and closes the connection (unless it has already ended). */
  cancel(): Promise<void> {
    this.#used = true;
    if (!this.#source.readableEnded) this.#source.destroy();
    return Promise.resolve();
  }
}

export interface NodeResponseInit {
  readonly status: number;
  readonly statusText: string;
  /** node:http's `rawHeaders`: name, value, name, value… */
  readonly rawHeaders: readonly string[];
  readonly url: string;
  readonly redirected: boolean;
  /** Null for responses that cannot have one (HEAD, 204, 205, 304). */
  readonly body: Readable | null;
}

export class NodeResponse {
  readonly type = "basic";
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  readonly body: NodeResponseBody | null;

  constructor(init: NodeResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.ok = init.status >= 200 && init.status <= 299;
    this.headers = responseHeaders(init.rawHeaders);
    this.url = init.url;
    this.redirected = init.redirected;
    this.body = init.body ? new NodeResponseBody(init.body) : null;
  }

  get bodyUsed(): boolean {
    return this.body?.locked ?? false;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (!this.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.body) chunks.push(chunk);
    // Node stream chunks are Buffers on plain ArrayBuffers.
    return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) as Uint8Array<ArrayBuffer>;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** UTF-8, a leading byte-order mark dropped, as Response.text() does. */
  async text(): Promise<string> {
    return utf8.decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get("content-type") ?? "" });
  }

  /** Rare (multipart or urlencoded answers): the platform's parser does it. */
  async formData(): Promise<FormData> {
    return new Response(await this.bytes(), { headers: this.headers }).formData();
  }

  clone(): never {
    throw new TypeError("clone() is not supported by the node:http fetch");
  }
}

function responseHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header value Headers refuses (it should not get past node's parser) is dropped, not fatal.
    }
  }
  return headers;
}
