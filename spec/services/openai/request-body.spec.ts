// Request bodies for the node:http fetch: each body kind of the fetch standard becomes the bytes
// and default content type fetch would send; FormData becomes multipart/form-data with quoted
// names escaped, which the platform's own parser reads back.

import { describe, expect, it } from "vitest";
import { encodeMultipart, encodeRequestBody } from "../../../lib/services/openai/request-body.ts";

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array(0)).toString("utf8");

async function collect(stream: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of stream ?? []) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}

describe("encodeRequestBody", () => {
  it("sends nothing for a missing body", async () => {
    expect(await encodeRequestBody(undefined)).toBeUndefined();
    expect(await encodeRequestBody(null)).toBeUndefined();
  });

  it("encodes strings, bytes, URLSearchParams and Blobs with fetch's default content types", async () => {
    const s = await encodeRequestBody('{"a":"é"}');
    expect(text(s?.bytes)).toBe('{"a":"é"}');
    expect(s?.contentType).toBe("text/plain;charset=UTF-8");

    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect([...(await encodeRequestBody(view))!.bytes!]).toEqual([1, 2, 3]);
    expect([...(await encodeRequestBody(new Uint16Array([0x0201])))!.bytes!]).toEqual([1, 2]);
    expect([...(await encodeRequestBody(new Uint8Array([4, 5]).buffer))!.bytes!]).toEqual([4, 5]);

    const form = await encodeRequestBody(new URLSearchParams({ q: "a b", n: "1" }));
    expect(text(form?.bytes)).toBe("q=a+b&n=1");
    expect(form?.contentType).toBe("application/x-www-form-urlencoded;charset=UTF-8");

    const blob = await encodeRequestBody(new Blob(["wav"], { type: "audio/wav" }));
    expect(text(blob?.bytes)).toBe("wav");
    expect(blob?.contentType).toBe("audio/wav");
  });

  it("streams an async iterable or ReadableStream body", async () => {
    async function* parts() {
      yield "a";
      yield new Uint8Array([0x62]);
    }
    expect(await collect((await encodeRequestBody(parts() as unknown as RequestInit["body"]))?.stream)).toBe("ab");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("c"));
        controller.close();
      },
    });
    expect(await collect((await encodeRequestBody(stream))?.stream)).toBe("c");
  });

  it("refuses what fetch cannot send", async () => {
    await expect(encodeRequestBody({ not: "a body" } as unknown as RequestInit["body"])).rejects.toThrow(/unsupported request body type Object/);
  });
});

describe("encodeMultipart", () => {
  it("writes each field and file as a part the platform's parser reads back", async () => {
    const form = new FormData();
    form.append("model", "whisper-1");
    form.append("prompt", "one\rtwo\nthree");
    form.append("file", new File([new Uint8Array([0, 255, 13, 10])], "audio.wav", { type: "audio/wav" }));
    form.append("blob", new Blob(["raw"]));

    const body = await encodeMultipart(form);
    const parsed = await new Response(body.bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": body.contentType! } }).formData();

    expect(body.contentType).toMatch(/^multipart\/form-data; boundary=----formdata-[0-9a-f]{24}$/);
    expect(parsed.get("model")).toBe("whisper-1");
    expect(parsed.get("prompt")).toBe("one\r\ntwo\r\nthree");
    const file = parsed.get("file") as File;
    expect([file.name, file.type, [...new Uint8Array(await file.arrayBuffer())]]).toEqual(["audio.wav", "audio/wav", [0, 255, 13, 10]]);
    const blob = parsed.get("blob") as File;
    expect([blob.name, blob.type, await blob.text()]).toEqual(["blob", "application/octet-stream", "raw"]);
  });

  it("percent-encodes quotes and line breaks in names so they cannot break out of the header", async () => {
    const form = new FormData();
    form.append('we"ird\r\nname', "v");
    form.append("f", new File(["x"], 'a"b\n.wav'));
    const raw = text((await encodeMultipart(form)).bytes);
    expect(raw).toContain('Content-Disposition: form-data; name="we%22ird%0D%0Aname"\r\n\r\nv\r\n');
    expect(raw).toContain('name="f"; filename="a%22b%0A.wav"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n');
    expect(raw.endsWith("--\r\n")).toBe(true);
  });
});
