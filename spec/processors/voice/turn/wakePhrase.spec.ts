// Wake phrase: asleep, only a transcript containing a wake phrase (case-insensitive, on word
// boundaries) opens a turn; other transcripts are dropped and VAD speech is ignored. Awake, the
// VAD and any transcript open turns; the agent falls asleep 10 s after the last turn ends.

import { describe, expect, it } from "vitest";
import { wakePhraseStart } from "../../../../lib/processors/voice/turn/startStrategies.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, transcript, wire } from "./support.ts";

const v = inputs();
const wake = () => ({ start: [wakePhraseStart({ phrases: ["Hey, Voxray"] })] });

describe("wake phrase start strategy", () => {
  it("drops speech until the phrase, then stays awake for 10 s after each turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // 0: w dropped. 1000: h wakes → turn ends 1600. 5000: VAD speech (awake) → turn ends 5700.
      // 16000: awake until 15700, so w is dropped again. The 5000 turn cut the answer to the
      // first and brought no transcript: 2 s after it, r asks for that answer if it is missing.
      const vad = hot("     w 999ms h 3999ms S 99ms s 10899ms w", v);
      const down = "        - 999ms (UIT) 595ms u 3399ms (SUI) 95ms s 599ms u 1999ms r 8299ms -";
      expectObservable(wire(userTurnProcessor(ctx, wake()), vad).down).toBe(down);
    });
  });

  it("with singleActivation needs the phrase for every turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     h 999ms S       ", v);
      const down = "        (UIT) 595ms u 399ms S";
      const p = userTurnProcessor(ctx, { start: [wakePhraseStart({ phrases: ["hey voxray"], singleActivation: true })] });
      expectObservable(wire(p, vad).down).toBe(down);
    });
  });

  it("matches whole words, any case and punctuation", () => {
    const s = wakePhraseStart({ phrases: ["hey voxray"] });
    const at = { botSpeaking: false, now: 0 };
    expect(s.decide(transcript("HEY, Voxray! lights on"), at)).toBe("start");
    s.reset?.();
    expect(s.decide(transcript("they voxrays"), at)).toBe("reject");
    expect(s.decide(transcript("heyvoxray"), at)).toBe("reject");
    expect(() => wakePhraseStart({ phrases: ["  ", "!!"] })).toThrow(/at least one phrase/);
  });
});
