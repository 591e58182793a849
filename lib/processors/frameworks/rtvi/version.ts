// Which RTVI protocol a client speaks, from the `version` of its client-ready message.
//
//   same major as ours (2.x)   current: bot-ready says 2.1.0
//   major 1                    legacy: bot-ready echoes the client's version, bot-output uses
//                              the 1.x shape {text, spoken}
//   anything else, or none     incompatible: an error-response explains, and the session
//                              still proceeds as current (a client may cope; refusing helps no one)

import { RTVI_PROTOCOL_VERSION } from "./messages.ts";

export type ClientProtocol =
  | { readonly kind: "current"; readonly botVersion: string }
  | { readonly kind: "legacy"; readonly botVersion: string }
  | { readonly kind: "incompatible"; readonly botVersion: string; readonly problem: string };

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$/;

export function majorOf(version: string): number | null {
  const m = SEMVER.exec(version);
  return m ? Number(m[1]) : null;
}

const OUR_MAJOR = majorOf(RTVI_PROTOCOL_VERSION)!;

export function checkClientVersion(version: unknown): ClientProtocol {
  const botVersion = RTVI_PROTOCOL_VERSION;
  if (typeof version !== "string" || majorOf(version) === null) {
    const got = version === undefined ? "no version" : `version ${JSON.stringify(version)}`;
    return {
      kind: "incompatible",
      botVersion,
      problem: `client-ready carried ${got}; this server speaks RTVI ${botVersion} and will carry on, but the client may misbehave`,
    };
  }
  const major = majorOf(version)!;
  if (major === OUR_MAJOR) return { kind: "current", botVersion };
  if (major === 1) return { kind: "legacy", botVersion: version };
  return {
    kind: "incompatible",
    botVersion,
    problem: `RTVI client version ${version} differs in major version from this server's ${botVersion}; carrying on, but the client may misbehave`,
  };
}
