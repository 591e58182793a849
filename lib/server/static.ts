// The browser client at `/` (lib/server/static/): index.html, its script, styles and audio
// worklet, plain files with no build step.
//
// The folder is read once when the server starts and each file becomes one exact GET route
// (HEAD too), so nothing outside it can be reached: there is no path joining at request time,
// hence no traversal ("/../x", "/%2e%2e/x" and unknown names all get the router's 404 envelope).
// Files are answered from memory with their content type, an ETag (304 on If-None-Match) and
// `Cache-Control: no-cache` (revalidate, so a new deploy shows at once). Dotfiles are skipped.
//
// `/` itself is left to the telephony and Daily runner modes, which answer the provider there.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { RouteContext } from "./routes.ts";
import type { ServerExtension } from "./serve.ts";

export const DEFAULT_STATIC_ROOT = fileURLToPath(new URL("./static/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wav": "audio/wav",
  ".txt": "text/plain; charset=utf-8",
};

// The page talks to its own origin only (fetch, WebSocket); media come from getUserMedia and
// the peer connection, which CSP does not govern.
const PAGE_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StaticFile {
  /** URL path, "/app.js". */
  readonly path: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** Every servable file under `root` (no dotfiles), keyed by URL path. */
export function loadStaticFiles(root: string): StaticFile[] {
  const files: StaticFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith(".")) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const body = readFileSync(full);
      files.push({
        path: `/${relative(root, full).split(sep).join("/")}`,
        body,
        contentType: CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream",
        etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
      });
    }
  };
  walk(root);
  return files;
}

function serveFile(file: StaticFile) {
  return (ctx: RouteContext): void => {
    const { req, res } = ctx;
    res.setHeader("Content-Type", file.contentType);
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("ETag", file.etag);
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (file.contentType.startsWith("text/html")) {
      res.setHeader("Content-Security-Policy", PAGE_POLICY);
      res.setHeader("Referrer-Policy", "no-referrer");
    }
    if (req.headers["if-none-match"] === file.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader("Content-Length", file.body.length);
    res.end(file.body); // node drops the body of a HEAD answer
  };
}

export interface StaticExtensionOptions {
  /** @defaultValue lib/server/static */
  readonly root?: string;
}

export function createStaticExtension(options: StaticExtensionOptions = {}): ServerExtension {
  return ({ config, http }) => {
    const files = loadStaticFiles(options.root ?? DEFAULT_STATIC_ROOT);
    for (const file of files) http.route("GET", file.path, serveFile(file), { v1: false, name: "static" });
    const index = files.find((f) => f.path === "/index.html");
    const ownsRoot = config.runner_transport === undefined || config.runner_transport === "webrtc";
    if (index && ownsRoot) http.route("GET", "/", serveFile(index), { v1: false, name: "static" });
  };
}

/** The bundled browser client. */
export const staticExtension: ServerExtension = createStaticExtension();
