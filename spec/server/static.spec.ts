// The browser client's files at /: each shipped file with its content type, caching headers
// and (for the page) a CSP; HEAD and 304 revalidation; the router's 404 envelope for anything
// else, including every spelling of a path that climbs out of the folder.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticExtension, loadStaticFiles, staticExtension } from "../../lib/server/static.ts";
import { bodyOf, startServer, type TestServer } from "./harness.ts";

/** A GET with the path sent exactly as written (fetch and URL would normalize "../"). */
function rawGet(server: TestServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the browser client at /", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({}, { extensions: [staticExtension] });
  });
  afterAll(() => server.close());

  it("serves the page at / and /index.html, with a CSP and no sniffing", async () => {
    for (const path of ["/", "/index.html"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      const html = await res.text();
      expect(html).toContain("<title>Voxray</title>");
      expect(html).toContain('src="/app.js"');
    }
  });

  it("serves the assets with their content types", async () => {
    const expected: Record<string, string> = {
      "/app.js": "text/javascript; charset=utf-8",
      "/mic-worklet.js": "text/javascript; charset=utf-8",
      "/shared.js": "text/javascript; charset=utf-8",
      "/websocketSession.js": "text/javascript; charset=utf-8",
      "/webrtcSession.js": "text/javascript; charset=utf-8",
      "/style.css": "text/css; charset=utf-8",
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
  });

  it("answers HEAD without a body and If-None-Match with 304", async () => {
    const head = await fetch(`${server.url}/app.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(100);
    expect(await head.text()).toBe("");

    const etag = head.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${server.url}/app.js`, { headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
  });

  it("answers unknown paths with the 404 envelope", async () => {
    for (const path of ["/nope.js", "/static/app.js", "/api/v1/app.js"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect((await bodyOf(res)).error.code).toBe("NOT_FOUND");
    }
  });

  it("never serves a file outside the folder", async () => {
    for (const path of [
      "/../package.json",
      "/../../package.json",
      "/%2e%2e/package.json",
      "/%2e%2e%2fpackage.json",
      "/..%2f..%2fpackage.json",
      "/static/../../package.json",
      "//etc/passwd",
      "/..\\..\\package.json",
      "/app.js/../../../package.json",
    ]) {
      const res = await rawGet(server, path);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe("NOT_FOUND");
    }
    // Dot segments that stay inside the folder resolve as a browser would resolve them.
    expect((await rawGet(server, "/./app.js")).status).toBe(200);
  });

  it("leaves / to the telephony runner modes but still serves the assets", async () => {
    const twilio = await startServer({ runner_transport: "twilio" }, { extensions: [staticExtension] });
    try {
      expect((await fetch(`${twilio.url}/`)).status).toBe(404);
      expect((await fetch(`${twilio.url}/app.js`)).status).toBe(200);
    } finally {
      await twilio.close();
    }
  });
});

describe("loadStaticFiles / createStaticExtension", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "voxray-static-"));
    await mkdir(join(root, "img"));
    await writeFile(join(root, "index.html"), "<!doctype html><title>x</title>");
    await writeFile(join(root, "img", "logo.svg"), "<svg/>");
    await writeFile(join(root, "notes.unknownext"), "?");
    await writeFile(join(root, ".env"), "SECRET=1");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("lists nested files with URL paths and types, and skips dotfiles", () => {
    const files = loadStaticFiles(root).map((f) => [f.path, f.contentType]);
    expect(files).toEqual([
      ["/img/logo.svg", "image/svg+xml"],
      ["/index.html", "text/html; charset=utf-8"],
      ["/notes.unknownext", "application/octet-stream"],
    ]);
  });

  it("serves another folder when given one", async () => {
    const server = await startServer({}, { extensions: [createStaticExtension({ root })] });
    try {
      expect(await (await fetch(`${server.url}/`)).text()).toContain("<title>x</title>");
      expect((await fetch(`${server.url}/img/logo.svg`)).headers.get("content-type")).toBe("image/svg+xml");
      expect((await fetch(`${server.url}/.env`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
