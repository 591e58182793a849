// min_words: while the bot speaks, a transcript must hold at least min_words words to open a
// user turn (and so interrupt); shorter ones ("yeah") are dropped and cut nothing off. While
// the bot is silent one word is enough. With the config's mapping the VAD opens turns while
// the bot is silent, and such a turn interrupts like any new turn (an answer to the previous
// turn may still be on its way); while the bot speaks the VAD alone opens nothing.

import { describe, expect, it } from "vitest";
import { minWordsStart, vadStart } from "../../../../lib/processors/voice/turn/startStrategies.ts";
import { countWords } from "../../../../lib/processors/voice/turn/transcripts.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, transcript, wire } from "./support.ts";

const v = { ...inputs(), o: transcript("ok"), x: transcript("stop right there", false) };
const minWords3 = { start: [minWordsStart({ minWords: 3 })] };

describe("min_words start strategy", () => {
  it("needs 3 words while the bot speaks: 'yeah' is dropped, the 3-word interim interrupts", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms t 99ms o 99ms x                 ", v);
      const down = "        B 99ms - 99ms - 99ms (UIt) 595ms u   ";
      expectObservable(wire(userTurnProcessor(ctx, minWords3), vad).down).toBe(down);
    });
  });

  it("needs 1 word while the bot is silent", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     o             ", v);
      const down = "        (UIT) 595ms u";
      expectObservable(wire(userTurnProcessor(ctx, minWords3), vad).down).toBe(down);
    });
  });

  it("config mapping: the VAD opens turns (which interrupt) while the bot is silent, nothing alone while it speaks", () => {
    const start = [vadStart({ whileBotSpeaks: false }), minWordsStart({ minWords: 3 })];
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 99ms s          ", v);
      const down = "        (SUI) 95ms s 599ms u";
      expectObservable(wire(userTurnProcessor(ctx, { start }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // Interruptions off (StartFrame): the turn opens, nothing is cut.
      const vad = hot("     n S 99ms s          ", v);
      const down = "        0 (SU) 96ms s 599ms u";
      expectObservable(wire(userTurnProcessor(ctx, { start }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 99ms t 99ms T      ", v);
      const down = "        B 99ms S 99ms - 99ms (UIT)  ";
      expectObservable(wire(userTurnProcessor(ctx, { start }), vad).down).toBe(down);
    });
  });

  it("counts words, not punctuation", () => {
    expect(countWords("  stop — right there...  ")).toBe(3);
    expect(countWords("o'clock")).toBe(1);
    expect(countWords("  ... ")).toBe(0);
  });
});
