// `webrtc_ice_servers`: each entry is either a URL string ("stun:stun.l.google.com:19302")
// or an RTCIceServer-shaped object ({urls, username?, credential?}) so TURN with
// credentials works (the Go original took strings only). Both forms normalize to objects
// with `urls` as a list, the shape browsers and werift both accept.

import { z } from "zod";

export interface IceServer {
  readonly urls: string[];
  readonly username?: string;
  readonly credential?: string;
}

const iceUrl = z
  .string()
  .trim()
  .regex(/^(stun|stuns|turn|turns):\S+$/, "expected a stun:, stuns:, turn: or turns: URL");

export const iceServerObjectSchema = z
  .object({
    urls: z.union([iceUrl, z.array(iceUrl).min(1)]).describe("One URL or a list of URLs for the same server."),
    username: z.string().optional().describe("TURN user name."),
    credential: z.string().optional().describe("TURN password."),
  })
  .check(
    z.superRefine((server, ctx) => {
      // Browsers refuse a turn:/turns: server without both credentials (RTCPeerConnection throws).
      const urls = typeof server.urls === "string" ? [server.urls] : server.urls;
      if (!urls.some((url) => url.startsWith("turn"))) return;
      for (const field of ["username", "credential"] as const) {
        if (server[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: "required for turn: URLs" });
      }
    }),
  );

export const iceServerSchema = z
  .union([iceUrl, iceServerObjectSchema], {
    error: "expected a STUN/TURN URL string or an object {urls, username?, credential?}",
  })
  .transform((entry): IceServer => {
    if (typeof entry === "string") return { urls: [entry] };
    const urls = typeof entry.urls === "string" ? [entry.urls] : entry.urls;
    return {
      urls,
      ...(entry.username !== undefined && { username: entry.username }),
      ...(entry.credential !== undefined && { credential: entry.credential }),
    };
  });

export const DEFAULT_ICE_SERVERS: readonly IceServer[] = [{ urls: ["stun:stun.l.google.com:19302"] }];
