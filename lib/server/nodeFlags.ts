// The V8 flags `voxray serve` runs under, chosen for the CPUs the process may use.
//
// On one core (a process pinned with taskset or a one-CPU cpuset: how a voice server is scaled,
// one process per core), V8's garbage-collection helper threads cannot run beside the event
// loop: they take the same core from it. The load bench measured it at 80 sessions: the main
// thread waited 15–16 % of the time for its own core, event-loop delay max was ~100 ms and the
// p99 turn latency 107–127 ms; with --single-threaded-gc the wait fell to 1.6 %, ELD max to
// 37 ms, the turn p99 to 48–56 ms, and CPU did not rise (62 % either way). With several cores
// the helpers run elsewhere and shorten pauses, so nothing is added there.
//
// On one core the old generation also grows to twice its live size before the next full GC
// (--heap-growing-percent=100) instead of V8's own choice, which on a busy voice server sits
// near its 1.1 minimum: at 100 sessions (≈ 50 MB live, ≈ 2–3 MB/s promoted) that was a full GC
// every 1.5 s, each ≈ 95 ms of incremental marking on the event loop plus a 15–35 ms final
// pause. With it: 4 per 30 s instead of 21, full-GC time 55 ms instead of ≈ 300 ms per 30 s,
// for ≈ 50 MB more heap at that load.
//
// V8 takes such flags only at start (setting this one at run time aborts the process), so the
// CLI starts the server as a child with them when they are missing (relaunch below).
// VOXRAY_NODE_FLAGS overrides the choice ("" = none).

import { spawn } from "node:child_process";
import { availableParallelism, constants } from "node:os";

export const NODE_FLAGS_ENV = "VOXRAY_NODE_FLAGS";
/** Set in the relaunched child, so it never relaunches again. */
const RELAUNCHED_ENV = "VOXRAY_RELAUNCHED";

const ONE_CORE_FLAGS = ["--single-threaded-gc", "--heap-growing-percent=100"] as const;

/** The node flags for a server that may use `cores` CPUs. */
export function serverNodeFlags(cores: number = availableParallelism(), env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env[NODE_FLAGS_ENV];
  if (chosen !== undefined) return chosen.split(/\s+/).filter(Boolean);
  return cores <= 1 ? [...ONE_CORE_FLAGS] : [];
}

/** Those of `flags` this process was not started with. */
export function missingNodeFlags(flags: readonly string[], execArgv: readonly string[] = process.execArgv): string[] {
  return flags.filter((flag) => !execArgv.includes(flag));
}

/**
 * Starts this same command again as a child with the server's node flags when any is missing,
 * and mirrors its exit; false when nothing was missing (carry on in this process).
 *
 * Signals: the child shares the terminal's process group, so Ctrl-C reaches it directly; the
 * parent passes on the ones sent to it alone (a supervisor's SIGTERM). A signal delivered to
 * both at once is taken as one by serve() (see its signal handling).
 */
export function relaunchWithServerFlags(): boolean {
  if (process.env[RELAUNCHED_ENV] !== undefined) return false;
  const missing = missingNodeFlags(serverNodeFlags());
  if (missing.length === 0) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...missing, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [RELAUNCHED_ENV]: "1" },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, forward);
  child.once("error", (error) => {
    process.stderr.write(`voxray: could not start the server process: ${error.message}\n`);
    process.exit(1);
  });
  child.once("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  return true;
}
