// Where one turn's time goes, from two sets of stamps on the shared clock: the server's
// end-of-turn decision and the first bot audio at the caller (Collector.turnRecords), and when
// the stand-in received, read in full and answered each request (StandInTrace). Turn tags
// (turnTag.ts) tie a turn to its own STT, chat and first TTS request at any concurrency.
//
// Framework-added latency of a turn = end of turn → first bot audio at the caller, less the
// three stand-in legs (request read in full → first response byte). Loopback transfers, the
// server's work and its event-loop waits all stay in; the stand-in's configured latencies and
// its own lateness (its core also runs every caller) do not.

import type { StandInTrace } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

export interface TurnRecord {
  readonly eotUs: number;
  readonly firstAudioUs: number;
  /** The turn tag of the transcript this turn produced, once the server has told the caller. */
  turn?: number;
}

export const LEGS = [
  ["end of turn → STT request read at the stand-in", "server: turn audio → WAV → multipart upload"],
  ["STT service", "stand-in: configured STT latency + its own lateness"],
  ["STT answer → LLM request read at the stand-in", "server: transcript → context → chat request"],
  ["LLM first token", "stand-in: configured time to first token + lateness"],
  ["LLM first token → TTS request read at the stand-in", "server: SSE parse → sentence → speech request"],
  ["TTS first audio", "stand-in: configured first-audio latency + lateness"],
  ["TTS first audio → first bot audio at the caller", "server: TTS chunk → pacer → WebSocket → caller"],
] as const;

/** The stand-in legs (odd indices of LEGS); the others are the server's. */
const isStandInLeg = (i: number): boolean => i % 2 === 1;

export interface TurnBreakdown {
  /** Turns whose three requests were all found in the trace. */
  readonly matched: number;
  /** Per leg of LEGS, ms. */
  readonly legs: Summary[];
  /** Per turn: end of turn → first bot audio at the caller, less its own stand-in legs, ms. */
  readonly added: Summary;
}

/** Splits every turn that can be matched to its requests by tag. */
export function turnLegs(turns: readonly TurnRecord[], trace: readonly StandInTrace[]): TurnBreakdown {
  const first = new Map<string, StandInTrace>();
  for (const r of trace) {
    if (r.turn === undefined) continue;
    const key = `${r.endpoint} ${r.turn}`;
    const seen = first.get(key);
    if (!seen || r.receivedUs < seen.receivedUs) first.set(key, r);
  }
  const legs: number[][] = LEGS.map(() => []);
  const added: number[] = [];
  for (const t of turns) {
    if (t.turn === undefined) continue;
    const stt = first.get(`transcription ${t.turn}`);
    const llm = first.get(`chat ${t.turn}`);
    const tts = first.get(`speech ${t.turn}`);
    if (!stt || !llm || !tts) continue;
    // A first audio that left the stand-in after the caller heard the bot is not this turn's answer.
    if (stt.bodyUs < t.eotUs || tts.firstByteUs > t.firstAudioUs) continue;
    const points = [t.eotUs, stt.bodyUs, stt.firstByteUs, llm.bodyUs, llm.firstByteUs, tts.bodyUs, tts.firstByteUs, t.firstAudioUs];
    let standIn = 0;
    for (let i = 0; i < LEGS.length; i++) {
      const ms = (points[i + 1]! - points[i]!) / 1000;
      legs[i]!.push(ms);
      if (isStandInLeg(i)) standIn += ms;
    }
    added.push((t.firstAudioUs - t.eotUs) / 1000 - standIn);
  }
  return { matched: added.length, legs: legs.map(summarize), added: summarize(added) };
}
