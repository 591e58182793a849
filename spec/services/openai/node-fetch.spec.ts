// The node:http fetch the `openai` client runs on, against real local HTTP and HTTPS servers:
// it answers like fetch (status, headers, body as it arrives, text/json), keeps connections
// alive, closes the socket when its signal aborts, follows redirects as the standard says,
// writes FormData as multipart, decodes compressed bodies, and trusts an extra CA when told to.

import { gzipSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNodeFetch, type NodeFetch } from "../../../lib/services/openai/node-fetch.ts";
import { missingPrograms } from "../../support/programs.ts";
import { selfSignedCert, type KeyAndCert } from "./selfSignedCert.ts";
import { gate, startTestServer, type Handler, type TestServer } from "./testServer.ts";

let fetch: NodeFetch;
const servers: TestServer[] = [];

async function serve(handler: Handler, tls?: KeyAndCert): Promise<TestServer> {
  const server = await startTestServer(handler, tls);
  servers.push(server);
  return server;
}

afterEach(async () => {
  fetch?.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const echo: Handler = (req, res, body) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString("utf8") }));
};

/** Chunks of a response body, as the client and the services read them. */
function chunksOf(response: Response): AsyncIterator<Uint8Array> {
  return (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
}

describe("createNodeFetch over http", () => {
  it("sends the method, headers and body, and answers with status, headers and text", async () => {
    fetch = createNodeFetch();
    const server = await serve((req, res, body) => {
      res.writeHead(201, "Made", [
        ["content-type", "text/plain"],
        ["x-multi", "a"],
        ["x-multi", "b"],
      ]);
      res.end(`${req.method} ${req.url} ${req.headers["content-type"]} ${req.headers["content-length"]} ${req.headers["x-key"]} ${body}`);
    });

    const response = await fetch(`${server.origin}/v1/things?x=1`, { method: "post", headers: new Headers({ "X-Key": "k1" }), body: "héllo" });

    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${server.origin}/v1/things?x=1`);
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe("POST /v1/things?x=1 text/plain;charset=UTF-8 6 k1 héllo");
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it("parses JSON and reports a failing status as not ok", async () => {
    fetch = createNodeFetch();
    const server = await serve((_req, res) => {
      res.writeHead(429, { "content-type": "application/json" });
      res.end('{"error":{"message":"slow down"}}');
    });
    const response = await fetch(`${server.origin}/`);
    expect(response.ok).toBe(false);
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: { message: "slow down" } });
  });

  it("hands over each body chunk while the response is still open", async () => {
    fetch = createNodeFetch();
    const release = gate();
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      await release.promise;
      res.end("data: two\n\n");
    });
    const chunks = chunksOf(await fetch(`${server.origin}/stream`, { method: "POST", body: "{}" }));

    const first = await chunks.next();
    expect(Buffer.from(first.value!).toString()).toBe("data: one\n\n");
    release.open();
    expect(Buffer.from((await chunks.next()).value!).toString()).toBe("data: two\n\n");
    expect((await chunks.next()).done).toBe(true);
  });

  it("rejects with an AbortError and closes the request when aborted before the headers", async () => {
    fetch = createNodeFetch();
    const server = await serve(() => {}); // never answers
    const closed = server.nextClosed();
    const controller = new AbortController();
    const pending = fetch(`${server.origin}/hang`, { method: "POST", body: "{}", signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    while (server.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(await closed).toEqual({ finished: false });
  });

  it("ends the body with an AbortError and destroys the socket when aborted mid-body", async () => {
    fetch = createNodeFetch();
    const server = await serve((_req, res) => {
      res.writeHead(200);
      res.write("part");
    });
    const closed = server.nextClosed();
    const controller = new AbortController();
    const chunks = chunksOf(await fetch(`${server.origin}/partial`, { signal: controller.signal }));
    expect(Buffer.from((await chunks.next()).value!).toString()).toBe("part");

    controller.abort();
    await expect(chunks.next()).rejects.toMatchObject({ name: "AbortError" });
    expect(await closed).toEqual({ finished: false });
    expect(server.abandoned).toEqual(["/partial"]);
  });

  it("keeps one connection alive across requests, and an abort after the body ended leaves it alone", async () => {
    fetch = createNodeFetch();
    const server = await serve(echo);
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const response = await fetch(`${server.origin}/n${i}`, { method: "POST", body: "x", signal: controller.signal });
      await response.json();
      controller.abort(); // what a finished request's teardown does
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.connections()).toBe(1);
    expect(server.abandoned).toEqual([]);
  });

  it("retries once on a new connection when the server has dropped the pooled one", async () => {
    fetch = createNodeFetch();
    const served = new WeakSet<object>();
    let requests = 0;
    const server = await serve((req, res, body) => {
      requests += 1;
      // The second request on a connection finds it gone, as after a server's idle timeout.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      echo(req, res, body);
    });
    await (await fetch(`${server.origin}/a`)).text();
    const second = await fetch(`${server.origin}/b`, { method: "POST", body: "again" });
    expect(await second.json()).toMatchObject({ url: "/b", body: "again" });
    expect(requests).toBe(3);
    expect(server.connections()).toBe(2);
  });

  it("follows redirects: 307 keeps method and body, 303 becomes a GET, Authorization stays on its origin", async () => {
    fetch = createNodeFetch();
    const other = await serve(echo);
    const server = await serve((req, res, body) => {
      const to = { "/307": "/echo", "/303": "/echo", "/away": `${other.origin}/echo` }[req.url ?? ""];
      if (!to) return echo(req, res, body);
      res.writeHead(req.url === "/307" ? 307 : req.url === "/303" ? 303 : 302, { location: to });
      res.end();
    });
    const init = { method: "POST", body: "payload", headers: { authorization: "Bearer secret", "content-type": "text/plain" } };

    const kept = await fetch(`${server.origin}/307`, init);
    expect(kept.redirected).toBe(true);
    expect(kept.url).toBe(`${server.origin}/echo`);
    expect(await kept.json()).toMatchObject({ method: "POST", body: "payload", headers: { authorization: "Bearer secret" } });

    const seeOther = (await (await fetch(`${server.origin}/303`, init)).json()) as { method: string; body: string; headers: Record<string, string> };
    expect(seeOther).toMatchObject({ method: "GET", body: "" });
    expect(seeOther.headers["content-type"]).toBeUndefined();

    const away = (await (await fetch(`${server.origin}/away`, init)).json()) as { headers: Record<string, string> };
    expect(away.headers.authorization).toBeUndefined();
  });

  it("decodes a gzip body the server compressed anyway", async () => {
    fetch = createNodeFetch();
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-encoding": "gzip", "x-asked": String(req.headers["accept-encoding"]) });
      res.end(gzipSync("a compressed answer"));
    });
    const response = await fetch(`${server.origin}/`);
    expect(await response.text()).toBe("a compressed answer");
    expect(response.headers.get("x-asked")).toBe("undefined");
  });

  it("writes FormData as multipart/form-data that the platform parses back", async () => {
    fetch = createNodeFetch();
    const server = await serve(async (req, res, body) => {
      const form = await new Response(new Uint8Array(body), { headers: { "content-type": req.headers["content-type"]! } }).formData();
      const file = form.get("file") as File;
      res.end(JSON.stringify({ model: form.get("model"), note: form.get("note"), name: file.name, type: file.type, bytes: [...new Uint8Array(await file.arrayBuffer())], length: req.headers["content-length"] }));
    });
    const form = new FormData();
    form.append("model", "whisper-1");
    form.append("note", "two\nlines");
    form.append("file", new File([new Uint8Array([0, 1, 2, 255])], "audio.wav", { type: "audio/wav" }));

    const parsed = await (await fetch(`${server.origin}/upload`, { method: "POST", body: form })).json();

    expect(parsed).toMatchObject({ model: "whisper-1", note: "two\r\nlines", name: "audio.wav", type: "audio/wav", bytes: [0, 1, 2, 255] });
  });

  it("has no body for HEAD and 204 answers", async () => {
    fetch = createNodeFetch();
    const server = await serve((req, res) => {
      res.writeHead(req.method === "HEAD" ? 200 : 204, { "x-ok": "1" });
      res.end();
    });
    expect((await fetch(`${server.origin}/`, { method: "HEAD" })).body).toBeNull();
    const empty = await fetch(`${server.origin}/`, { method: "DELETE" });
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe("");
  });

  it("rejects with the connection error when nothing listens", async () => {
    fetch = createNodeFetch();
    const server = await serve(echo);
    const origin = server.origin;
    await servers.pop()!.close();
    await expect(fetch(`${origin}/`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("leaves other URL schemes to the platform fetch", async () => {
    fetch = createNodeFetch();
    expect(await (await fetch("data:,plain%20text")).text()).toBe("plain text");
  });
});

const noOpenssl = missingPrograms({ openssl: "openssl" });

describe.skipIf(noOpenssl)("createNodeFetch over https", () => {
  let tls: KeyAndCert;
  beforeAll(() => {
    tls = selfSignedCert();
  });

  it("talks to a server whose certificate it was told to trust, streaming and aborting as over http", async () => {
    fetch = createNodeFetch({ ca: tls.cert });
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "audio/pcm" });
      res.write(Buffer.alloc(1920, 1));
    }, tls);
    expect(server.origin).toMatch(/^https:/);
    const closed = server.nextClosed();
    const controller = new AbortController();
    const chunks = chunksOf(await fetch(`${server.origin}/v1/audio/speech`, { method: "POST", body: "{}", signal: controller.signal }));
    expect((await chunks.next()).value!.byteLength).toBe(1920);

    controller.abort();
    await expect(chunks.next()).rejects.toMatchObject({ name: "AbortError" });
    expect(await closed).toEqual({ finished: false });
  });

  it("keeps the TLS connection alive across requests", async () => {
    fetch = createNodeFetch({ ca: tls.cert });
    const server = await serve(echo, tls);
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${server.origin}/n${i}`)).json()).toMatchObject({ url: `/n${i}` });
    expect(server.connections()).toBe(1);
  });

  it("refuses the self-signed certificate without the ca option", async () => {
    fetch = createNodeFetch();
    const server = await serve(echo, tls);
    await expect(fetch(`${server.origin}/`)).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });
});

describe("createNodeFetch keep-alive limits", () => {
  it("closes a connection left unused for keepAliveMs, but not a response that pauses longer than that", async () => {
    fetch = createNodeFetch({ keepAliveMs: 50 });
    const server = await serve(async (req, res) => {
      res.writeHead(200);
      res.write("before the pause ");
      if (req.url === "/slow") await new Promise((resolve) => setTimeout(resolve, 150));
      res.end("after");
    });
    const closed = server.nextClosed();
    expect(await (await fetch(`${server.origin}/slow`)).text()).toBe("before the pause after");
    expect(await closed).toEqual({ finished: true });
    expect(server.connections()).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 200)); // idle in the pool past keepAliveMs
    expect(await (await fetch(`${server.origin}/fast`)).text()).toBe("before the pause after");
    expect(server.connections()).toBe(2);
  });
});
