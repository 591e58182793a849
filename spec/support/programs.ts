// System programs that some specs need (chromium, redis-server, flite, sox…).
// A spec that needs one calls `needsProgram`: where the program is missing the spec is
// skipped with a one-line reason naming the Debian package, except under CI=true, where
// a missing program is a failure: CI must have installed it.

import { execFileSync } from "node:child_process";

const found = new Map<string, string | null>();

export function whichProgram(program: string): string | null {
  if (!found.has(program)) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
      found.set(program, path || null);
    } catch {
      found.set(program, null);
    }
  }
  return found.get(program) ?? null;
}

/**
 * Returns the reason to skip, or null when every program is present.
 * Under CI=true a missing program throws instead.
 */
export function missingPrograms(programs: Readonly<Record<string, string>>): string | null {
  const missing = Object.entries(programs).filter(([program]) => whichProgram(program) === null);
  if (missing.length === 0) return null;
  const reason = `needs ${missing.map(([p, pkg]) => `${p} (apt-get install ${pkg})`).join(", ")}`;
  if (process.env.CI === "true") throw new Error(`CI is missing a program: ${reason}`);
  return reason;
}
