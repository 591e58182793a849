// Real Chromium for browser specs: the system's /usr/bin/chromium driven by playwright-core.
//
// Flags that matter:
//   --allow-loopback-in-peer-connection   without it Chromium gathers no ICE candidate on
//                                         127.0.0.1 and a loopback peer connection never starts
//   --use-fake-device-for-media-stream    a fake microphone…
//   --use-file-for-fake-audio-capture     …that plays a WAV (`%noloop`: once, then silence)
//   --use-fake-ui-for-media-stream        getUserMedia is granted without a prompt
//   --autoplay-policy=no-user-gesture-required   remote audio plays without a click
//
// Specs call `chromiumMissing()` first: it names the missing package (and throws under CI).

import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { missingPrograms } from "./programs.ts";

export const CHROMIUM_PATH = process.env.VOXRAY_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser specs cannot run here, or null. */
export function chromiumMissing(): string | null {
  return missingPrograms({ chromium: "chromium" });
}

export interface ChromiumOptions {
  /** A WAV the fake microphone plays once; without it the fake device plays a beep. */
  readonly microphoneWav?: string;
}

export interface ChromiumSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console lines and page errors, for failure messages. */
  readonly log: string[];
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    ...(options.microphoneWav ? [`--use-file-for-fake-audio-capture=${options.microphoneWav}%noloop`] : []),
  ];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
  const context = await browser.newContext();
  const page = await context.newPage();
  const log: string[] = [];
  page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  return {
    browser,
    context,
    page,
    log,
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}
