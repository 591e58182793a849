// Turn tags: how the rig follows one turn through the server at any concurrency.
//
// The STT stand-in numbers every transcript ("… tomorrow, turn 17"). The server puts that text
// into the chat request as the user's last message; the LLM stand-in's first sentence repeats
// the tag ("Sure thing, turn 17. "), and so the first TTS request of the answer carries it too.
// The bench probe tells the caller the tag of its transcript (in-band "transcript" event). So
// each turn's three requests can be picked out of the stand-in's trace however many sessions
// are talking, and each turn subtracts exactly the time the stand-in took on them.

const TAG = /turn (\d+)/g;

export function transcriptText(turn: number): string {
  return `what is the weather like tomorrow, turn ${turn}`;
}

/** The bot's answer: the first token is a whole first sentence (with its trailing space) carrying the tag. */
export function answerTokens(turn: number | undefined): string[] {
  return [
    turn === undefined ? "Sure thing. " : `Sure thing, turn ${turn}. `,
    "Here is",
    " a longer",
    " second sentence",
    " that keeps",
    " talking for",
    " a while.",
  ];
}

/** The last tag in `text` (a user message may join two transcripts), if any. */
export function turnIn(text: string): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(TAG)) last = Number(m[1]);
  return last;
}
