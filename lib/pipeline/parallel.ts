// parallelPipeline(): the same frames through several branches side by side.
//
// Every frame entering is multicast to each branch. Each branch ends in its own sink that
// forwards into the merged output, where a frame that came out of several branches (same
// id) is emitted once. Lifecycle frames (Start, End, Cancel, Stop) are held at a forkJoin
// barrier and emitted once every branch has passed them, so nothing downstream starts
// before every branch has started, or ends while one is still draining.
//
//   input:     -S-a-----E-|
//   branch 1:  -S-a-----E-|
//   branch 2:  -S---a-----E|     (slower to drain)
//   output:    -S-a-------E|

import { filter, forkJoin, merge, Observable, share, Subject, Subscription, take } from "rxjs";
import { isLifecycleFrame, type Frame } from "../frames/index.ts";
import type { Ends, Processor } from "./processor.ts";

/** How many recent frame ids are remembered for de-duplication. */
const SEEN_LIMIT = 4096;

function onceById(): (frame: Frame) => boolean {
  const seen = new Set<number>();
  return (frame) => {
    if (seen.has(frame.id)) return false;
    seen.add(frame.id);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
    return true;
  };
}

/** Fan `source` out to every branch; merge what comes back, once per frame id, lifecycle frames at a barrier. */
function fanOut(
  source: Observable<Frame>,
  branches: readonly ((input: Observable<Frame>) => Observable<Frame>)[],
): Observable<Frame> {
  return new Observable<Frame>((subscriber) => {
    const outputs = branches.map(() => new Subject<Frame>());
    const subscription = new Subscription();
    const fresh = onceById();
    const shared = source.pipe(share());
    // Barriers first: each lifecycle frame opens a forkJoin over every branch's output
    // before the branches see the frame, so a branch that passes it synchronously is counted.
    subscription.add(
      shared.pipe(filter(isLifecycleFrame)).subscribe((frame) => {
        subscription.add(
          forkJoin(outputs.map((o) => o.pipe(filter((f) => f.id === frame.id), take(1)))).subscribe(() =>
            subscriber.next(frame),
          ),
        );
      }),
    );
    branches.forEach((branch, i) => {
      subscription.add(
        branch(shared).subscribe({
          next: (f) => {
            outputs[i]!.next(f);
            if (!isLifecycleFrame(f) && fresh(f)) subscriber.next(f);
          },
          error: (e) => subscriber.error(e),
          complete: () => outputs[i]!.complete(),
        }),
      );
    });
    subscription.add(
      merge(...outputs.map((o) => o.pipe(filter(() => false)))).subscribe({ complete: () => subscriber.complete() }),
    );
    return subscription;
  });
}

export function parallelPipeline(name: string, branches: readonly Processor[]): Processor {
  return {
    name,
    link(inputs: Ends): Ends {
      const upFromBelow = new Subject<Frame>();
      const upOutputs = branches.map(() => new Subject<Frame>());
      const down = new Observable<Frame>((subscriber) => {
        const wiring = new Subscription();
        const downs = branches.map((branch, i) => (downIn: Observable<Frame>) => {
          const ends = branch.link({ down: downIn, up: upFromBelow });
          wiring.add(ends.up.subscribe(upOutputs[i]!));
          return ends.down;
        });
        wiring.add(fanOut(inputs.down, downs).subscribe(subscriber));
        wiring.add(inputs.up.subscribe(upFromBelow));
        return wiring;
      });
      const fresh = onceById();
      const up = merge(...upOutputs).pipe(filter(fresh));
      return { down, up };
    },
    async setup() {
      for (const b of branches) await b.setup?.();
    },
    async cleanup() {
      await Promise.allSettled(branches.map((b) => b.cleanup?.()));
    },
  };
}
