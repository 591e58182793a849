// Sentence aggregation for TTS: streamed LLM tokens in, speakable sentences out.
//
// A sentence ends at one of `. ! ? \n ।` (optionally followed by closing quotes or brackets)
// when whitespace follows it; a terminator at the very end of the buffer is not yet a sentence
// end, because the next token may turn "3." into "3.14". A sentence is flushed when the text
// up to its end has at least `minRunes` runes (default 30: shorter pieces make choppy speech),
// and a buffer that reaches `maxRunes` (default 120) without a sentence end is flushed at its
// last space, so a run-on answer still starts speaking.
//
// The first sentence of a response is flushed as soon as it ends, however short ("Sure."):
// time to first audio is what a caller notices most, and one short opening sentence does not
// sound choppy. It must contain a letter, so a list marker such as "1." is not spoken alone.

export interface SentenceAggregatorOptions {
  /** Runes the text must have at a sentence end before it is flushed. @defaultValue 30 */
  readonly minRunes: number;
  /** Runes at which the buffer is flushed without a sentence end, at its last space. @defaultValue 120 */
  readonly maxRunes: number;
  /** Flush the first sentence of a response at its end, however short. @defaultValue true */
  readonly eagerFirstSentence: boolean;
}

export const DEFAULT_SENTENCE_OPTIONS: SentenceAggregatorOptions = {
  minRunes: 30,
  maxRunes: 120,
  eagerFirstSentence: true,
};

export interface SentenceAggregator {
  /** Adds text; returns the sentences it completed, trimmed, in order. */
  push(text: string): string[];
  /** Everything still buffered, as one trimmed sentence (none when only whitespace is left). */
  flush(): string[];
  /** Drops the buffer and makes the next sentence a response's first again. */
  reset(): void;
  readonly buffered: string;
}

const TERMINATORS = new Set([".", "!", "?", "\n", "।"]);
const CLOSERS = new Set(['"', "'", ")", "]", "”", "’", "»"]);
const WHITESPACE = /\s/u;
const LETTER = /\p{L}/u;

export function sentenceAggregator(options: Partial<SentenceAggregatorOptions> = {}): SentenceAggregator {
  const { minRunes, maxRunes, eagerFirstSentence } = { ...DEFAULT_SENTENCE_OPTIONS, ...options };
  if (!(maxRunes >= 1) || !(minRunes >= 0)) {
    throw new RangeError(`sentence aggregation needs maxRunes >= 1 and minRunes >= 0, got ${maxRunes} and ${minRunes}`);
  }
  let buf = "";
  let first = true;

  /** Index just after the first sentence end that may be flushed, or -1. */
  const sentenceCut = (): number => {
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i]!;
      if (!TERMINATORS.has(ch)) continue;
      let j = i + 1;
      if (ch !== "\n") {
        while (j < buf.length && CLOSERS.has(buf[j]!)) j++;
        if (j >= buf.length || !WHITESPACE.test(buf[j]!)) continue;
      }
      const sentence = buf.slice(0, j).trim();
      if (first && eagerFirstSentence && LETTER.test(sentence)) return j;
      if (runeCount(sentence) >= minRunes) return j;
    }
    return -1;
  };

  /** Index where an over-long buffer is cut: its last space within maxRunes, else maxRunes. */
  const lengthCut = (): number => {
    let runes = 0;
    let lastSpace = -1;
    let seenText = false;
    let i = 0;
    for (const ch of buf) {
      if (runes === maxRunes) break;
      if (!WHITESPACE.test(ch)) seenText = true;
      else if (seenText) lastSpace = i;
      runes++;
      i += ch.length;
    }
    if (runes < maxRunes) return -1;
    return lastSpace > 0 ? lastSpace : i;
  };

  return {
    push(text) {
      buf += text;
      const out: string[] = [];
      for (;;) {
        let cut = sentenceCut();
        if (cut < 0) cut = lengthCut();
        if (cut < 0) break;
        const sentence = buf.slice(0, cut).trim();
        buf = buf.slice(cut);
        if (sentence !== "") {
          out.push(sentence);
          first = false;
        }
      }
      return out;
    },
    flush() {
      const rest = buf.trim();
      buf = "";
      if (rest === "") return [];
      first = false;
      return [rest];
    },
    reset() {
      buf = "";
      first = true;
    },
    get buffered() {
      return buf;
    },
  };
}

/** Unicode code points, which is what "runes" means here. */
export function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
