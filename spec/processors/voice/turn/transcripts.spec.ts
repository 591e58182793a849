// Transcripts and turns: a transcript while no turn is active opens one (the VAD missed the
// speech: the turn is marked emulated), but a transcript arriving after a turn ended and before
// new VAD speech (within 5 s) is that turn's late result: it passes on and opens nothing, so
// an STT that transcribes finished turns does not create phantom turns or barge in on the
// bot's reply.

import { describe, expect, it } from "vitest";
import { Subject, VirtualTimeScheduler } from "rxjs";
import type { Frame } from "../../../../lib/frames/index.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();

describe("transcripts and user turns", () => {
  it("a transcript with no turn active opens one, ended by the quiet timeout", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     T           ", v);
      const down = "        (UIT) 595ms u";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("a late transcript of the last turn opens nothing, even while the bot speaks", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Turn 0–700; the bot answers at 1500; the STT's final comes at 2000.
      const vad = hot("     S 99ms s 1399ms B 499ms T  ", v);
      const down = "        (SUI) 95ms s 599ms u 799ms B 499ms T";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("after 5 s, or once the VAD heard new speech, transcripts open turns again", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 99ms s 5599ms T              ", v);
      const down = "        (SUI) 95ms s 599ms u 4999ms (UIT) 595ms u";
      expectObservable(wire(userTurnProcessor(ctx, { falseInterruptionTimeoutMs: 0 }), vad).down).toBe(down);
    });
  });

  it("marks transcript-started turns as emulated", () => {
    const scheduler = new VirtualTimeScheduler();
    const down = new Subject<Frame>();
    const seen: Frame[] = [];
    userTurnProcessor(createContext({ scheduler })).link({ down, up: new Subject<Frame>() }).down.subscribe((f) => seen.push(f));
    down.next(v["T"]!);
    down.next(v["S"]!);
    scheduler.flush();
    expect(seen.find((f) => f.type === "UserStartedSpeakingFrame")).toMatchObject({ emulated: true });
  });
});
