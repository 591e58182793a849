// The metrics registry: a private Registry per server, SessionMetrics mapping names onto
// families (unknown names and labels ignored, never thrown), input-queue figures read from
// live runner stats at scrape time, and session counts.

import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createBackpressureStats } from "../../lib/operators/backpressure.ts";
import { createMetrics } from "../../lib/observers/metrics.ts";

const value = async (metrics: ReturnType<typeof createMetrics>, name: string): Promise<string> =>
  metrics.registry.getSingleMetricAsString(name);

describe("createMetrics", () => {
  it("uses its own registry, so two servers never share counters", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.http.observe("GET", "health", 200, 0.01);
    expect(await value(a, "http_requests_total")).toContain('route="health"');
    expect(await value(b, "http_requests_total")).not.toContain('route="health"');
    expect(globalRegistry.getSingleMetric("http_requests_total")).toBeUndefined();
  });

  it("SessionMetrics maps names onto families and drops undeclared labels", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const s = m.forSession();
    s.observe("llm_time_to_first_token_seconds", 0.25, { provider: "openai", model: "gpt-4o", session_id: "x" });
    s.inc("tts_errors_total", { provider: "openai", error_type: "timeout" });
    s.inc("pipeline_input_dropped_total", undefined, 3);
    s.set("webrtc_peer_connections_active", 2);
    s.inc("no_such_metric");
    s.observe("llm_time_to_first_token_seconds", Number.NaN);
    expect(await value(m, "llm_time_to_first_token_seconds")).toContain(
      'llm_time_to_first_token_seconds_count{provider="openai",model="gpt-4o"} 1',
    );
    expect(await value(m, "llm_time_to_first_token_seconds")).not.toContain("session_id");
    expect(await value(m, "tts_errors_total")).toContain('tts_errors_total{provider="openai",error_type="timeout"} 1');
    expect(await value(m, "pipeline_input_dropped_total")).toContain("pipeline_input_dropped_total 3");
    expect(await value(m, "webrtc_peer_connections_active")).toContain("webrtc_peer_connections_active 2");
  });

  it("reads input-queue stats at scrape time and keeps totals of ended sessions", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const s1 = createBackpressureStats();
    const s2 = createBackpressureStats();
    const unwatch1 = m.watchInputQueue(s1);
    m.watchInputQueue(s2);
    s1.depth = 3;
    s1.highWater = 40;
    s1.pauses = 2;
    s2.depth = 4;
    s2.pauses = 1;
    expect(await value(m, "pipeline_input_queue_depth")).toContain("pipeline_input_queue_depth 7");
    expect(await value(m, "pipeline_input_queue_high_water")).toContain("pipeline_input_queue_high_water 40");
    expect(await value(m, "pipeline_input_pauses_total")).toContain("pipeline_input_pauses_total 3");
    unwatch1();
    expect(await value(m, "pipeline_input_queue_depth")).toContain("pipeline_input_queue_depth 4");
    expect(await value(m, "pipeline_input_pauses_total")).toContain("pipeline_input_pauses_total 3");
    expect(await value(m, "pipeline_input_queue_high_water")).toContain("pipeline_input_queue_high_water 40");
  });

  it("tracks active sessions and counts ended ones by reason, once", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const end = m.sessionStarted("websocket");
    m.sessionStarted("webrtc");
    expect(await value(m, "voxray_active_sessions")).toContain('voxray_active_sessions{transport="websocket"} 1');
    end("disconnect");
    end("disconnect");
    expect(await value(m, "voxray_active_sessions")).toContain('voxray_active_sessions{transport="websocket"} 0');
    expect(await value(m, "voxray_sessions_total")).toContain('voxray_sessions_total{transport="websocket",reason="disconnect"} 1');
  });

  it("includes Node's default metrics unless asked not to", async () => {
    const m = createMetrics();
    const text = await m.registry.metrics();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });
});
