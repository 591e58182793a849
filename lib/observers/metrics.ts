// The Prometheus metrics of one server: a private prom-client Registry (never the global
// one, so two servers in one process, as in tests, never share counters), holding the
// metric families of the Go original (same names and labels), Voxray's session and
// backpressure families, and Node's default process/event-loop metrics.
//
// Per-session code never touches prom-client: it gets a SessionMetrics (lib/pipeline/
// context.ts) that maps a metric name onto its family and drops labels the family does not
// declare (so a stray label can never throw inside a pipeline). Input-queue figures are read
// from the runners' live stats at scrape time, never updated per frame.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BackpressureStats } from "../operators/backpressure.ts";
import type { SessionMetrics } from "../pipeline/context.ts";

type Family = Counter<string> | Gauge<string> | Histogram<string>;

interface FamilyEntry {
  readonly metric: Family;
  readonly labelNames: readonly string[];
}

export interface HttpMetrics {
  /** One finished request (method, route name, numeric status, seconds). */
  observe(method: string, route: string, status: number, seconds: number): void;
  /** Marks a request in flight on `route`; call the returned function when it ends. */
  enter(route: string): () => void;
}

export interface VoxrayMetrics {
  readonly registry: Registry;
  readonly http: HttpMetrics;
  /** A session's metric sink. */
  forSession(): SessionMetrics;
  /** A session started on `transport`; the returned function records how it ended. */
  sessionStarted(transport: string): (reason: string) => void;
  /** Reads a runner's input-queue stats at scrape time until the returned function is called. */
  watchInputQueue(stats: BackpressureStats): () => void;
}

/** Voice latencies: most answers land between 0.3 s and 2 s. */
const LATENCY_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

export interface MetricsOptions {
  /** Node's process_* and nodejs_* metrics. @defaultValue true */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): VoxrayMetrics {
  const registry = new Registry();
  const families = new Map<string, FamilyEntry>();

  const counter = (name: string, help: string, labelNames: string[] = []): Counter<string> => {
    const metric = new Counter({ name, help, labelNames, registers: [registry] });
    families.set(name, { metric, labelNames });
    return metric;
  };
  const gauge = (name: string, help: string, labelNames: string[] = []): Gauge<string> => {
    const metric = new Gauge({ name, help, labelNames, registers: [registry] });
    families.set(name, { metric, labelNames });
    return metric;
  };
  const histogram = (name: string, help: string, labelNames: string[] = [], buckets?: number[]): Histogram<string> => {
    const metric = new Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
    families.set(name, { metric, labelNames });
    return metric;
  };

  // ── HTTP ──────────────────────────────────────────────────────────────────
  const httpLabels = ["method", "route", "status_code"];
  const requests = counter("http_requests_total", "HTTP requests handled", httpLabels);
  const duration = histogram("http_request_duration_seconds", "HTTP request duration", httpLabels);
  const active = gauge("http_active_connections", "HTTP requests in flight", ["route"]);
  const errors = counter("http_errors_total", "HTTP responses with status >= 400", ["method", "route", "error_type"]);
  counter("http_timeout_total", "HTTP requests that timed out", ["route"]);

  // ── services ──────────────────────────────────────────────────────────────
  const service = ["provider", "model"];
  counter("stt_errors_total", "speech-to-text failures", ["provider", "error_type"]);
  counter("stt_fallback_total", "speech-to-text fallbacks to another provider", ["provider"]);
  histogram("stt_time_to_first_token_seconds", "STT: audio end to first transcript", service);
  histogram("stt_transcription_latency_seconds", "STT: audio end to final transcript", service);
  histogram("stt_streaming_lag_seconds", "STT: streaming lag behind the audio", service);
  counter("llm_errors_total", "LLM failures", ["provider", "error_type"]);
  counter("llm_retries_total", "LLM request retries", ["provider"]);
  counter("llm_fallback_total", "LLM fallbacks to another provider", ["provider"]);
  histogram("llm_time_to_first_token_seconds", "LLM: request to first token", service);
  histogram("llm_generation_latency_seconds", "LLM: request to last token", service);
  histogram("llm_inter_token_latency_seconds", "LLM: time between tokens", service, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
  counter("tts_errors_total", "text-to-speech failures", ["provider", "error_type"]);
  counter("tts_fallback_total", "TTS fallbacks to another provider", ["provider"]);
  histogram("tts_time_to_first_audio_chunk_seconds", "TTS: request to first audio", service);
  histogram("tts_synthesis_latency_seconds", "TTS: request to last audio", service);
  histogram("tts_streaming_lag_seconds", "TTS: streaming lag behind real time", service);

  // ── WebRTC and recording ──────────────────────────────────────────────────
  counter("webrtc_peer_connections_total", "WebRTC peer connection state changes", ["state"]);
  gauge("webrtc_peer_connections_active", "WebRTC peer connections open now");
  counter("webrtc_bytes_sent_total", "WebRTC media bytes sent");
  counter("webrtc_bytes_received_total", "WebRTC media bytes received");
  counter("webrtc_connection_failures_total", "WebRTC connections that failed", ["reason"]);
  counter("webrtc_reconnection_attempts_total", "WebRTC reconnection attempts");
  counter("recording_jobs_enqueued_total", "recording uploads queued");
  counter("recording_jobs_success_total", "recording uploads done");
  counter("recording_jobs_failed_total", "recording uploads failed");
  gauge("recording_queue_depth", "recording uploads waiting");

  // ── sessions ──────────────────────────────────────────────────────────────
  const activeSessions = gauge("voxray_active_sessions", "sessions running now", ["transport"]);
  const sessionsTotal = counter("voxray_sessions_total", "sessions ended, by transport and end reason", ["transport", "reason"]);
  histogram(
    "voxray_user_bot_latency_seconds",
    "user stopped speaking → bot started speaking",
    [],
    LATENCY_BUCKETS,
  );

  // ── input backpressure (read at scrape time) ──────────────────────────────
  const watched = new Set<BackpressureStats>();
  let retiredPauses = 0;
  let retiredHighWater = 0;
  const liveSum = (pick: (s: BackpressureStats) => number): number => {
    let n = 0;
    for (const s of watched) n += pick(s);
    return n;
  };
  families.set("pipeline_input_queue_depth", {
    labelNames: [],
    metric: new Gauge({
      name: "pipeline_input_queue_depth",
      help: "frames waiting in session input queues, summed over sessions",
      registers: [registry],
      collect() {
        this.set(liveSum((s) => s.depth));
      },
    }),
  });
  families.set("pipeline_input_queue_high_water", {
    labelNames: [],
    metric: new Gauge({
      name: "pipeline_input_queue_high_water",
      help: "deepest any session input queue has been since start",
      registers: [registry],
      collect() {
        let max = retiredHighWater;
        for (const s of watched) max = Math.max(max, s.highWater);
        this.set(max);
      },
    }),
  });
  families.set("pipeline_input_pauses_total", {
    labelNames: [],
    metric: new Counter({
      name: "pipeline_input_pauses_total",
      help: "times a session paused its transport's reads because its input queue was full",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(retiredPauses + liveSum((s) => s.pauses));
      },
    }),
  });
  // Drops are rare events the runner reports itself (SessionMetrics.inc), one per frame dropped.
  counter("pipeline_input_dropped_total", "input frames dropped by the drop_oldest overflow policy");

  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const pick = (entry: FamilyEntry, labels?: Readonly<Record<string, string>>): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!labels) return out;
    for (const name of entry.labelNames) {
      const value = labels[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  };

  const sessionMetrics: SessionMetrics = {
    inc(name, labels, value = 1) {
      const entry = families.get(name);
      if (entry && (entry.metric instanceof Counter || entry.metric instanceof Gauge)) entry.metric.inc(pick(entry, labels), value);
    },
    observe(name, value, labels) {
      const entry = families.get(name);
      if (entry && entry.metric instanceof Histogram && Number.isFinite(value)) entry.metric.observe(pick(entry, labels), value);
    },
    set(name, value, labels) {
      const entry = families.get(name);
      if (entry && entry.metric instanceof Gauge && Number.isFinite(value)) entry.metric.set(pick(entry, labels), value);
    },
  };

  return {
    registry,
    http: {
      observe(method, route, status, seconds) {
        const labels = { method, route, status_code: String(status) };
        requests.inc(labels);
        duration.observe(labels, seconds);
        if (status >= 400) errors.inc({ method, route, error_type: status >= 500 ? "5xx" : "4xx" });
      },
      enter(route) {
        active.inc({ route });
        let left = false;
        return () => {
          if (left) return;
          left = true;
          active.dec({ route });
        };
      },
    },
    forSession: () => sessionMetrics,
    sessionStarted(transport) {
      activeSessions.inc({ transport });
      let ended = false;
      return (reason) => {
        if (ended) return;
        ended = true;
        activeSessions.dec({ transport });
        sessionsTotal.inc({ transport, reason });
      };
    },
    watchInputQueue(stats) {
      watched.add(stats);
      return () => {
        if (!watched.delete(stats)) return;
        retiredPauses += stats.pauses;
        retiredHighWater = Math.max(retiredHighWater, stats.highWater);
      };
    },
  };
}
