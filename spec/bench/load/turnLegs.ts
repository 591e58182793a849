// Where one turn's time goes, from two sets of stamps on the shared clock: the server's
// end-of-turn decision and the first bot audio at the caller (Collector.turnRecords), and when
// the stand-in received and answered each request (StandInTrace). Requests carry nothing that
// names their session, so this is only exact with ONE caller (level 1): each turn then owns the
// first STT request after its end, the first LLM request after that answer, and the first TTS
// request after the LLM's first token.

import type { StandInTrace } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

export interface TurnRecord {
  readonly eotUs: number;
  readonly firstAudioUs: number;
}

export const LEGS = [
  ["end of turn → STT request at the stand-in", "server: turn audio → WAV → multipart upload"],
  ["STT service", "stand-in: configured STT latency + its own lateness"],
  ["STT answer → LLM request at the stand-in", "server: transcript → context → chat request"],
  ["LLM first token", "stand-in: configured time to first token + lateness"],
  ["LLM first token → TTS request at the stand-in", "server: SSE parse → sentence → speech request"],
  ["TTS first audio", "stand-in: configured first-audio latency + lateness"],
  ["TTS first audio → first bot audio at the caller", "server: TTS chunk → pacer → WebSocket → caller"],
] as const;

/** Per-leg summaries (ms) over the turns that could be matched. */
export function turnLegs(turns: readonly TurnRecord[], trace: readonly StandInTrace[]): { readonly matched: number; readonly legs: Summary[] } {
  const sorted = [...trace].sort((a, b) => a.receivedUs - b.receivedUs);
  const after = (endpoint: StandInTrace["endpoint"], us: number): StandInTrace | undefined =>
    sorted.find((r) => r.endpoint === endpoint && r.receivedUs >= us);
  const legs: number[][] = LEGS.map(() => []);
  let matched = 0;
  for (const t of turns) {
    const stt = after("transcription", t.eotUs);
    const llm = stt && after("chat", stt.firstByteUs);
    const tts = llm && after("speech", llm.firstByteUs);
    if (!stt || !llm || !tts || tts.firstByteUs > t.firstAudioUs) continue;
    const points = [t.eotUs, stt.receivedUs, stt.firstByteUs, llm.receivedUs, llm.firstByteUs, tts.receivedUs, tts.firstByteUs, t.firstAudioUs];
    for (let i = 0; i < LEGS.length; i++) legs[i]!.push((points[i + 1]! - points[i]!) / 1000);
    matched++;
  }
  return { matched, legs: legs.map(summarize) };
}
