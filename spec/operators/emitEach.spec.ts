// emitEach: each value becomes the values its projection returns, emitted at once and in
// order, with no inner subscription; a throwing projection errors the stream; unsubscribing
// reaches the source.

import { describe, expect, it } from "vitest";
import { Subject, type Subscription } from "rxjs";
import { emitEach } from "../../lib/operators/emitEach.ts";
import { testScheduler } from "../support/marbles.ts";

describe("emitEach", () => {
  it("emits none, one or several values per value, at the same instant and in order", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-c------|", { a: 0, b: 1, c: 3 });
      const out = source.pipe(emitEach((n: number) => Array.from({ length: n }, (_, i) => `${n}.${i}`)));
      expectObservable(out).toBe("---x-(yzw)--|", { x: "1.0", y: "3.0", z: "3.1", w: "3.2" });
      expectSubscriptions(source.subscriptions).toBe("^-----------!");
    });
  });

  it("errors the stream when the projection throws, and lets go of the source", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold("-a-b-c-|", { a: 1, b: 2, c: 3 });
      const out = source.pipe(
        emitEach((n: number) => {
          if (n === 2) throw new Error("bad chunk");
          return [n];
        }),
      );
      expectObservable(out).toBe("-a-#", { a: 1 }, new Error("bad chunk"));
      expectSubscriptions(source.subscriptions).toBe("^--!");
    });
  });

  it("passes source errors on, and stops in the middle of a value once unsubscribed", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-#", { a: 1 }, new Error("socket")).pipe(emitEach((n: number) => [n]))).toBe("-a-#", { a: 1 }, new Error("socket"));
    });
    const source = new Subject<number>();
    const seen: number[] = [];
    const sub: Subscription = source.pipe(emitEach((n: number) => [n, n + 1, n + 2])).subscribe((v) => {
      seen.push(v);
      if (v === 11) sub.unsubscribe();
    });
    source.next(10);
    expect(seen).toEqual([10, 11]);
    expect(source.observed).toBe(false);
  });
});
