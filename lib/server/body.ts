// Request bodies, bounded. A body larger than max_request_body_bytes is refused with 413
// as soon as that is known: from Content-Length before a byte is read, or while reading.
// The rest of an oversized body is discarded (never buffered), and the connection is closed
// after the answer. Slow bodies are bounded by the server's request timeout (http.ts).

import type { IncomingMessage } from "node:http";
import { HttpError } from "./envelope.ts";

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, "BAD_REQUEST", `request body is larger than the limit of ${limit} bytes`);
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        req.resume(); // keep draining, but drop every byte
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      cleanup();
      reject(new HttpError(400, "BAD_REQUEST", "the request body could not be read"));
    };
    const onAborted = onError;
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, "BAD_REQUEST", "expected a JSON body, got an empty one");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpError(400, "BAD_REQUEST", `invalid JSON: ${(error as Error).message}`);
  }
}
