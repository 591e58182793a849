// What the scale-out bench and its two instance children say to each other over IPC.

/** Redis commands one process sent, by lower-case name (what its own client counted). */
export type CommandCounts = Readonly<Record<string, number>>;

export interface InstanceOptions {
  /** "A" or "B", for messages. */
  readonly name: string;
  readonly redisUrl: string;
  /** Random per run, so the run's keys can be told apart and deleted at the end. */
  readonly keyPrefix: string;
}

export interface InstanceStatus {
  /** Sessions live in this instance. */
  readonly sessions: number;
  /** Every Redis command this process has sent since it started. */
  readonly commands: CommandCounts;
  /** process.cpuUsage() of the whole instance, µs. */
  readonly cpuUs: number;
}

/** Server-side durations since the last "timings", ms. */
export interface RouteTimings {
  readonly start: readonly number[];
  readonly offer: readonly number[];
  /** Each Redis command: sent → reply, ms, as the instance's client saw it. */
  readonly redis: readonly number[];
}

/** Parent → instance. */
export type InstanceCommand =
  | { readonly id: number; readonly cmd: "status" }
  | { readonly id: number; readonly cmd: "timings" }
  | { readonly id: number; readonly cmd: "stop" };

/** Instance → parent. */
export type InstanceReply =
  | { readonly type: "ready"; readonly url: string; readonly pid: number }
  | { readonly type: "status"; readonly id: number; readonly status: InstanceStatus }
  | { readonly type: "timings"; readonly id: number; readonly timings: RouteTimings }
  | { readonly type: "stopped"; readonly id: number }
  | { readonly type: "error"; readonly message: string };
