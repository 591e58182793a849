// Starting the rig's child processes (server, stand-in) with an IPC channel, optionally pinned
// to a core with taskset, and asking them things.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { whichProgram } from "../../support/programs.ts";

export interface Child<Reply extends { readonly type: string }> {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Sends `command` with a fresh id and resolves with the reply carrying that id. */
  ask<R extends Reply>(command: Record<string, unknown>, timeoutMs?: number): Promise<R>;
  /** Resolves with the first message of `type`. */
  first<R extends Reply>(type: R["type"], timeoutMs?: number): Promise<R>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Module path relative to this folder, e.g. "./serverChild.ts". */
  readonly module: string;
  readonly env: Record<string, string>;
  /** Core to pin to (taskset -c), when pinning is on and taskset exists. */
  readonly core?: number;
  readonly exposeGc?: boolean;
  /** More node flags (e.g. V8 heap settings to compare). */
  readonly nodeFlags?: readonly string[];
}

/** Whether processes can be pinned to cores here (Linux with taskset and ≥ 2 CPUs). */
export function canPin(cpus: number): boolean {
  return cpus >= 2 && whichProgram("taskset") !== null;
}

/** Pins this process (and what it spawns later) to `core`. */
export function pinSelf(core: number): void {
  execFileSync("taskset", ["-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

export function spawnChild<Reply extends { readonly type: string }>(options: SpawnOptions): Child<Reply> {
  const script = fileURLToPath(new URL(options.module, import.meta.url));
  const nodeArgs = [...(options.exposeGc ? ["--expose-gc"] : []), ...(options.nodeFlags ?? []), "--import", "tsx", script];
  const [command, args] =
    options.core !== undefined ? ["taskset", ["-c", String(options.core), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command as string, args as string[], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...options.env },
  });
  const listeners = new Set<(message: Reply) => void>();
  child.on("message", (message: Reply) => {
    for (const l of [...listeners]) l(message);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let nextId = 1;

  const waitFor = <R extends Reply>(pred: (m: Reply) => boolean, what: string, timeoutMs: number): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${options.module}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: Reply): void => {
        if ((m as { type: string }).type === "error") {
          clearTimeout(timer);
          listeners.delete(listener);
          reject(new Error(`${options.module} failed: ${(m as unknown as { message: string }).message}`));
          return;
        }
        if (!pred(m)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(m as R);
      };
      listeners.add(listener);
      void exited.then((code) => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(new Error(`${options.module} exited (code ${code}) before its ${what}`));
      });
    });

  return {
    process: child,
    get pid() {
      return child.pid ?? -1;
    },
    ask(command, timeoutMs = 30_000) {
      const id = nextId++;
      const reply = waitFor((m) => (m as { id?: number }).id === id, `reply to ${String(command["cmd"])}`, timeoutMs);
      child.send({ ...command, id });
      return reply as never;
    },
    first(type, timeoutMs = 60_000) {
      return waitFor((m) => m.type === type, `"${type}" message`, timeoutMs) as never;
    },
    exited,
  };
}
