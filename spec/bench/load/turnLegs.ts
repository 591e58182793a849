// Where one turn's time goes, from three sets of stamps on the shared clock: the server's
// end-of-turn decision, its first bot audio handed to the caller's socket and that audio's
// arrival at the caller (Collector.turnRecords); when the server put each request to the
// stand-in on the wire (httpTrace.ts); and when the stand-in answered it (StandInTrace). Turn
// tags (turnTag.ts) tie a turn to its own STT, chat and first TTS request at any concurrency;
// the connection's port ties a stand-in request to the server's write of it.
//
// Framework-added latency of a turn = end of turn → first bot audio on the caller's socket,
// less the three stand-in legs (request on the wire → first response byte). The server's work,
// its event-loop waits and loopback stay in; the stand-in's configured latencies and its own
// lateness, in reading a request as in answering it (its core also runs every caller), do not.
// "At the caller" adds the last leg: loopback and the caller's lateness in reading.

import type { ServerWrite, StandInTrace } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

export interface TurnRecord {
  readonly eotUs: number;
  /** The first bot audio read by the caller. */
  firstAudioUs?: number;
  /** The turn tag of the transcript this turn produced (turnTag.ts), once the server has told the caller. */
  turn?: number;
  /** The server's BotStartedSpeakingFrame: the first audio of the answer handed to the socket. */
  botStartedUs?: number;
}

type LegOwner = "server" | "stand-in" | "caller";

export const LEGS: readonly (readonly [leg: string, what: string, owner: LegOwner])[] = [
  ["end of turn → STT request on the wire", "server: turn audio → WAV → multipart upload", "server"],
  ["STT request → STT answer", "stand-in: configured STT latency + its lateness", "stand-in"],
  ["STT answer → chat request on the wire", "server: response read → transcript → context → chat request", "server"],
  ["chat request → first token", "stand-in: configured time to first token + lateness", "stand-in"],
  ["first token → speech request on the wire", "server: SSE parse → sentence → speech request", "server"],
  ["speech request → first audio", "stand-in: configured first-audio latency + lateness", "stand-in"],
  ["first audio → first bot audio on the caller's socket", "server: TTS chunk → pacer → WebSocket send", "server"],
  ["→ first bot audio read by the caller", "rig: loopback + the caller's own lateness", "caller"],
];

export interface TurnBreakdown {
  /** Per leg of LEGS, ms. */
  readonly legs: Summary[];
  /** Per turn: end of turn → first bot audio on the caller's socket, less its own stand-in legs, ms. */
  readonly added: Summary;
  /** The same, to the first bot audio read by the caller. */
  readonly atCaller: Summary;
}

/** Splits every turn that can be tied to its requests (by tag) and to their writes (by port). */
export function turnLegs(turns: readonly TurnRecord[], trace: readonly StandInTrace[], writes: readonly ServerWrite[]): TurnBreakdown {
  const first = new Map<string, StandInTrace>();
  for (const r of trace) {
    if (r.turn === undefined) continue;
    const key = `${r.endpoint} ${r.turn}`;
    const seen = first.get(key);
    if (!seen || r.receivedUs < seen.receivedUs) first.set(key, r);
  }
  const byPort = new Map<number, number[]>();
  for (const w of writes) {
    const list = byPort.get(w.port);
    if (list) list.push(w.us);
    else byPort.set(w.port, [w.us]);
  }
  for (const list of byPort.values()) list.sort((a, b) => a - b);
  /** The server's write of `r`: the last one on its connection before the stand-in answered (one request at a time per connection). */
  const sentAt = (r: StandInTrace): number | undefined => {
    const list = r.port === undefined ? undefined : byPort.get(r.port);
    let sent: number | undefined;
    for (const us of list ?? []) {
      if (us >= r.firstByteUs) break;
      sent = us;
    }
    return sent;
  };

  const legs: number[][] = LEGS.map(() => []);
  const added: number[] = [];
  const atCaller: number[] = [];
  for (const t of turns) {
    if (t.turn === undefined || t.botStartedUs === undefined || t.firstAudioUs === undefined) continue;
    const requests = [first.get(`transcription ${t.turn}`), first.get(`chat ${t.turn}`), first.get(`speech ${t.turn}`)];
    if (requests.some((r) => r === undefined)) continue;
    const [stt, llm, tts] = requests as StandInTrace[];
    const sent = [sentAt(stt!), sentAt(llm!), sentAt(tts!)];
    if (sent.some((us) => us === undefined)) continue;
    const [sttSent, llmSent, ttsSent] = sent as number[];
    // An STT request sent before the end of turn, or a first audio that left the stand-in after
    // the server sent the bot's first audio, belongs to another turn.
    if (sttSent! < t.eotUs || tts!.firstByteUs > t.botStartedUs) continue;
    const points = [t.eotUs, sttSent!, stt!.firstByteUs, llmSent!, llm!.firstByteUs, ttsSent!, tts!.firstByteUs, t.botStartedUs, t.firstAudioUs];
    let standIn = 0;
    for (let i = 0; i < LEGS.length; i++) {
      const ms = (points[i + 1]! - points[i]!) / 1000;
      legs[i]!.push(ms);
      if (LEGS[i]![2] === "stand-in") standIn += ms;
    }
    added.push((t.botStartedUs - t.eotUs) / 1000 - standIn);
    atCaller.push((t.firstAudioUs - t.eotUs) / 1000 - standIn);
  }
  return { legs: legs.map(summarize), added: summarize(added), atCaller: summarize(atCaller) };
}
