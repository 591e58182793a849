// The one table `npm run bench` prints: a row per concurrency level.

import type { GcKindReport, WindowReport } from "./protocol.ts";
import type { Summary } from "./stats.ts";
import { fmt, kib } from "./stats.ts";

export interface LevelRow {
  readonly level: number;
  /** Callers still connected and healthy at the end of the window. */
  readonly held: number;
  readonly serverSessions: number;
  readonly cpuPct: number;
  readonly runQueuePct: number;
  readonly silero: WindowReport["silero"];
  readonly eld: Summary;
  /** prom-client's nodejs_eventloop_lag_p99_seconds over the window (10 ms resolution), ms. */
  readonly eldPromP99: number;
  readonly frameAge: Summary;
  readonly gcPause: Summary;
  readonly gcTotalMs: number;
  readonly gcKinds: Readonly<Record<string, GcKindReport>>;
  /** Framework-added turn latency to the first bot audio on the caller's socket, each turn less its own stand-in time (turnLegs.ts). */
  readonly turnAdded: Summary;
  /** The same, to the first bot audio read by the caller. */
  readonly turnAtCaller: Summary;
  /** Requests the server sent the stand-in during the window, and how many waited for a new connection. */
  readonly standInRequests: number;
  readonly standInConnecting: number;
  /** The turns' legs (turnLegs.ts LEGS). */
  readonly legs: readonly Summary[];
  /** End of turn → first bot audio at the caller, less the configured stand-in latencies. */
  readonly turnWire: Summary;
  /** End of turn → first bot audio handed to the socket (server), less the configured stand-in latencies. */
  readonly turnServer: Summary;
  readonly cutoffWire: Summary;
  readonly cutoffServer: Summary;
  readonly turns: number;
  readonly failedTurns: number;
  readonly missedTurns: number;
  readonly droppedSessions: number;
  readonly heapPerSession: number;
  readonly rssPerSession: number;
  readonly generatorLate: Summary;
  readonly generatorCpuPct: number;
  readonly standInLateP99: number;
  readonly standInCpuPct: number;
  /** Why this level broke a limit ("" when it held). */
  readonly broke: string;
}

const COLUMNS: readonly { readonly head: string; readonly cell: (r: LevelRow) => string }[] = [
  { head: "sessions", cell: (r) => String(r.level) },
  { head: "held", cell: (r) => `${r.held}/${r.serverSessions}` },
  { head: "CPU %", cell: (r) => fmt(r.cpuPct, 0) },
  { head: "runq %", cell: (r) => fmt(r.runQueuePct, 1) },
  { head: "ELD p50/p99 ms", cell: (r) => `${fmt(r.eld.p50, 2)}/${fmt(r.eld.p99, 2)}` },
  { head: "ELD max", cell: (r) => fmt(r.eld.max, 1) },
  { head: "age p99 ms", cell: (r) => fmt(r.frameAge.p99, 2) },
  { head: "turn +ms p50/p99", cell: (r) => `${fmt(r.turnAdded.p50)}/${fmt(r.turnAdded.p99)}` },
  { head: "at caller p50/p99", cell: (r) => `${fmt(r.turnAtCaller.p50)}/${fmt(r.turnAtCaller.p99)}` },
  { head: "cut-off p50/p99 ms", cell: (r) => `${fmt(r.cutoffWire.p50)}/${fmt(r.cutoffWire.p99)}` },
  { head: "turns", cell: (r) => String(r.turns) },
  { head: "barge", cell: (r) => String(r.cutoffWire.count) },
  { head: "fail", cell: (r) => String(r.failedTurns + r.droppedSessions) },
  { head: "heap KiB/s", cell: (r) => kib(r.heapPerSession) },
  { head: "RSS KiB/s", cell: (r) => kib(r.rssPerSession) },
  { head: "gen late p99", cell: (r) => fmt(r.generatorLate.p99, 1) },
  { head: "limit", cell: (r) => r.broke || "ok" },
];

export function renderTable(rows: readonly LevelRow[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.head.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]): string => `| ${values.map((v, i) => v.padStart(widths[i]!)).join(" | ")} |`;
  return [line(COLUMNS.map((c) => c.head)), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}
