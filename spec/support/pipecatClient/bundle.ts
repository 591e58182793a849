// Pipecat's browser client for specs: entry.js bundled with esbuild into a temp dir once per
// process, and served by a spec-only server extension on the server's own origin (so /start
// and /ws are same-origin requests).
//
// Both Pipecat transports default to Daily's media manager, which downloads a bundle from
// Daily's CDN; specs build them with `mediaManager: new WavMediaManager(…)` instead.

import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import type { ServerExtension } from "../../../lib/server/serve.ts";

const ENTRY = fileURLToPath(new URL("./entry.js", import.meta.url));

let bundled: Promise<string> | undefined;

/** The bundle's JavaScript (built on first call). */
export function pipecatClientBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "voxray-pipecat-"));
    const outfile = join(dir, "pipecat-client.js");
    await build({ entryPoints: [ENTRY], outfile, bundle: true, format: "esm", platform: "browser", target: "es2020", logLevel: "silent" });
    return readFile(outfile, "utf8");
  })();
  return bundled;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>pipecat</title><script type="module" src="/__pipecat/client.js"></script>';

/**
 * Serves an empty page at /__pipecat/ that loads the client, from the server itself: a page
 * fulfilled by request interception has no address space of its own, and Chromium's local
 * network access checks then refuse its WebSocket to 127.0.0.1.
 */
export async function pipecatPageExtension(): Promise<ServerExtension> {
  const script = await pipecatClientBundle();
  return ({ http }) => {
    http.route("GET", "/__pipecat", ({ res }) => {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.end(PAGE);
    }, { v1: false });
    http.route("GET", "/__pipecat/client.js", ({ res }) => {
      res.setHeader("Content-Type", "text/javascript; charset=utf-8");
      res.end(script);
    }, { v1: false });
  };
}

/** Opens /__pipecat/ (see pipecatPageExtension) and waits for window.Pipecat. */
export async function openPipecatPage(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/__pipecat/`);
  for (let i = 0; i < 100 && !(await page.evaluate("typeof window.Pipecat === 'object'")); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
