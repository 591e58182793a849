// The load bench's headline figure (framework-added turn latency) is computed by turnLegs from
// tagged stand-in requests; these specs pin its accounting.

import { describe, expect, it } from "vitest";
import type { StandInTrace } from "../bench/load/protocol.ts";
import { LEGS, turnLegs, type TurnRecord } from "../bench/load/turnLegs.ts";
import { answerTokens, transcriptText, turnIn } from "../bench/load/turnTag.ts";

const ms = (n: number): number => n * 1000;

/** One turn's three requests: each read `upload` ms after its start, answered `service` ms later. */
function requests(turn: number, start: number, o: { stt: number; llm: number; tts: number; gap: number; upload?: number }): StandInTrace[] {
  const upload = o.upload ?? 0.5;
  const sttAt = start + o.gap;
  const llmAt = sttAt + upload + o.stt + o.gap;
  const ttsAt = llmAt + upload + o.llm + o.gap;
  const one = (endpoint: StandInTrace["endpoint"], at: number, service: number): StandInTrace => ({
    endpoint,
    turn,
    receivedUs: ms(at),
    bodyUs: ms(at + upload),
    firstByteUs: ms(at + upload + service),
  });
  return [one("transcription", sttAt, o.stt), one("chat", llmAt, o.llm), one("speech", ttsAt, o.tts)];
}

describe("turn tags", () => {
  it("carries the tag from transcript to answer to speech input", () => {
    expect(turnIn(transcriptText(17))).toBe(17);
    expect(turnIn(answerTokens(17)[0]!)).toBe(17);
    expect(answerTokens(17)[0]).toMatch(/\. $/); // a whole first sentence: released at once
    expect(turnIn(`${transcriptText(3)} ${transcriptText(4)}`)).toBe(4); // two transcripts joined: the later one
    expect(turnIn("no tag here")).toBeUndefined();
    expect(answerTokens(undefined)[0]).toBe("Sure thing. ");
  });
});

describe("turnLegs", () => {
  it("subtracts each turn's own stand-in time, whatever the stand-in's lateness", () => {
    // Two turns in flight together; the second one's stand-in answers run late.
    const trace = [...requests(1, 1000, { stt: 100, llm: 150, tts: 80, gap: 1 }), ...requests(2, 1002, { stt: 130, llm: 170, tts: 95, gap: 2 })];
    // Turn 1: server legs 1+0.5, 1+0.5, 1+0.5 and 3 ms to the caller.
    const t1End = 1000 + 3 * 1.5 + 330 + 3;
    // Turn 2: server legs 2+0.5 each and 4 ms to the caller.
    const t2End = 1002 + 3 * 2.5 + 395 + 4;
    const turns: TurnRecord[] = [
      { eotUs: ms(1002), firstAudioUs: ms(t2End), turn: 2 },
      { eotUs: ms(1000), firstAudioUs: ms(t1End), turn: 1 },
    ];
    const out = turnLegs(turns, [...trace].reverse());
    expect(out.matched).toBe(2);
    expect(out.added.count).toBe(2);
    expect(out.added.p50).toBeCloseTo(7.5, 6);
    expect(out.added.max).toBeCloseTo(11.5, 6);
    expect(out.legs).toHaveLength(LEGS.length);
    expect(out.legs[1]!.max).toBeCloseTo(130, 6); // STT service of the late turn
    expect(out.legs[6]!.max).toBeCloseTo(4, 6);
  });

  it("leaves out turns it cannot tie to all three of their requests", () => {
    const trace = requests(5, 100, { stt: 100, llm: 150, tts: 80, gap: 1 });
    const turns: TurnRecord[] = [
      { eotUs: ms(100), firstAudioUs: ms(500) }, // no tag
      { eotUs: ms(100), firstAudioUs: ms(500), turn: 6 }, // no requests
      { eotUs: ms(100), firstAudioUs: ms(300), turn: 5 }, // heard before its TTS answered: not its answer
      { eotUs: ms(200), firstAudioUs: ms(800), turn: 5 }, // STT request before its end of turn
    ];
    const out = turnLegs(turns, [...trace, ...requests(6, 100, { stt: 1, llm: 1, tts: 1, gap: 1 }).slice(0, 2)]);
    expect(out.matched).toBe(0);
    expect(out.added.count).toBe(0);
  });

  it("takes a turn's first TTS request (the tagged sentence), not a later one", () => {
    const trace = requests(9, 0, { stt: 10, llm: 10, tts: 10, gap: 1 });
    const later: StandInTrace = { endpoint: "speech", turn: 9, receivedUs: ms(500), bodyUs: ms(500), firstByteUs: ms(501) };
    const end = 3 * 1.5 + 30 + 2;
    const out = turnLegs([{ eotUs: 0, firstAudioUs: ms(end), turn: 9 }], [later, ...trace]);
    expect(out.matched).toBe(1);
    expect(out.added.p50).toBeCloseTo(6.5, 6);
  });
});
