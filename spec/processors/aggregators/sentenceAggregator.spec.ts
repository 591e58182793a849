// Sentence aggregation: streamed tokens become speakable sentences. The first sentence of a
// response goes as soon as it ends; later ones need ≥ minRunes (30) at a sentence end, or are cut
// at a space once the buffer reaches maxRunes (120). A terminator only ends a sentence when
// whitespace follows it (or it is a newline).

import { describe, expect, it } from "vitest";
import { runeCount, sentenceAggregator } from "../../../lib/processors/aggregators/sentenceAggregator.ts";

const feed = (agg: ReturnType<typeof sentenceAggregator>, tokens: string[]): string[] => tokens.flatMap((t) => agg.push(t));

describe("sentenceAggregator", () => {
  it("flushes the first sentence of a response as soon as whitespace follows its end, however short", () => {
    const agg = sentenceAggregator();
    expect(agg.push("Sure.")).toEqual([]);
    expect(agg.push(" I")).toEqual(["Sure."]);
    expect(agg.buffered).toBe(" I");
  });

  it("holds later sentences until the text at a sentence end has at least 30 runes", () => {
    const agg = sentenceAggregator();
    const out = feed(agg, ["Yes. ", "It is. ", "That one is right. ", "The next one is ", "much longer than that. ", "End"]);
    // "It is. That one is right." is 25 runes: too short; with the next sentence it is 65.
    expect(out).toEqual(["Yes.", "It is. That one is right. The next one is much longer than that."]);
    expect(agg.flush()).toEqual(["End"]);
  });

  it("cuts a buffer without a sentence end at its last space once it reaches 120 runes", () => {
    const agg = sentenceAggregator();
    // "word0 " … "word9 " are 6 runes, "word10 " … 7: the 120th rune falls inside "word18".
    const words = Array.from({ length: 30 }, (_, i) => `word${i} `);
    const out = feed(agg, words);
    expect(out).toHaveLength(1);
    expect(runeCount(out[0]!)).toBeLessThanOrEqual(120);
    expect(out[0]!.endsWith("word17")).toBe(true);
    expect(agg.flush()[0]!.startsWith("word18")).toBe(true);
  });

  it("cuts a buffer with no space at exactly maxRunes", () => {
    const agg = sentenceAggregator({ maxRunes: 10 });
    expect(agg.push("abcdefghijklmno")).toEqual(["abcdefghij"]);
    expect(agg.flush()).toEqual(["klmno"]);
  });

  it("does not split decimals, and keeps closing quotes with their sentence", () => {
    const agg = sentenceAggregator({ minRunes: 5 });
    expect(feed(agg, ["Pi is 3", ".14 and", " more"])).toEqual([]);
    expect(feed(agg, [' he said "stop." ', "then"])).toEqual(['Pi is 3.14 and more he said "stop."']);
  });

  it("ends sentences at ! ? newline and the danda", () => {
    const agg = sentenceAggregator({ minRunes: 1, eagerFirstSentence: false });
    expect(feed(agg, ["Hi! ", "How? ", "Line\nनमस्ते। ", "x"])).toEqual(["Hi!", "How?", "Line", "नमस्ते।"]);
  });

  it("counts runes as code points, not UTF-16 units", () => {
    expect(runeCount("नमस्ते")).toBe(6);
    expect(runeCount("😀😀")).toBe(2);
    const agg = sentenceAggregator({ maxRunes: 3 });
    expect(agg.push("😀😀😀😀")).toEqual(["😀😀😀"]);
  });

  it("does not speak a lone list marker as the eager first sentence", () => {
    const agg = sentenceAggregator();
    expect(feed(agg, ["1. ", "Apples are ", "red. ", "2. ", "Pears"])).toEqual(["1. Apples are red."]);
  });

  it("with eagerFirstSentence off, the first sentence waits for 30 runes too", () => {
    const agg = sentenceAggregator({ eagerFirstSentence: false });
    expect(feed(agg, ["Sure. ", "I"])).toEqual([]);
  });

  it("reset drops the buffer and makes the next sentence a first sentence again", () => {
    const agg = sentenceAggregator();
    expect(feed(agg, ["Ok. ", "Hm. ", "half"])).toEqual(["Ok."]);
    agg.reset();
    expect(agg.buffered).toBe("");
    expect(feed(agg, ["No. ", "x"])).toEqual(["No."]);
  });

  it("flush returns nothing for whitespace only, and thresholds are tunable", () => {
    const agg = sentenceAggregator({ minRunes: 5, maxRunes: 50, eagerFirstSentence: false });
    agg.push("   \n");
    expect(agg.flush()).toEqual([]);
    expect(feed(agg, ["Ab. ", "Abc. ", "x"])).toEqual(["Ab. Abc."]);
  });

  it("rejects nonsense thresholds", () => {
    expect(() => sentenceAggregator({ maxRunes: 0 })).toThrow(RangeError);
  });
});
