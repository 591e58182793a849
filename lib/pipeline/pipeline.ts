// pipeline(): processors linked in a chain, itself a processor (so pipelines nest).
//
// Downstream the chain is a plain composition: p1's output is p2's input, as in `pipe()`.
// Upstream runs the other way, and a processor's upstream output can depend on its
// downstream input (an error raised while handling audio), so each upstream link is a
// Subject: that is what breaks the cycle. The Subjects are owned here; each completes when
// the upstream stream feeding it completes.

import { Observable, Subject, Subscription } from "rxjs";
import type { Frame } from "../frames/index.ts";
import type { Ends, Processor } from "./processor.ts";

export interface Pipeline extends Processor {
  readonly processors: readonly Processor[];
}

export function pipeline(name: string, processors: readonly Processor[]): Pipeline {
  return {
    name,
    processors,
    link(inputs: Ends): Ends {
      if (processors.length === 0) return inputs;
      const upLinks = processors.map(() => new Subject<Frame>());
      const upOutputs: Observable<Frame>[] = [];
      let down = inputs.down;
      processors.forEach((p, i) => {
        const ends = p.link({ down, up: upLinks[i]! });
        down = ends.down;
        upOutputs.push(ends.up);
      });
      const tail = down;
      const last = processors.length - 1;
      // Subscribing the downstream end wires the upstream links too, so one subscription
      // owns the whole chain. The caller subscribes `up` first, then `down`.
      const wiredDown = new Observable<Frame>((subscriber) => {
        const wiring = new Subscription();
        for (let i = last; i >= 1; i--) wiring.add(upOutputs[i]!.subscribe(upLinks[i - 1]!));
        wiring.add(inputs.up.subscribe(upLinks[last]!));
        wiring.add(tail.subscribe(subscriber));
        return wiring;
      });
      return { down: wiredDown, up: upOutputs[0]! };
    },
    async setup() {
      for (const p of processors) await p.setup?.();
    },
    async cleanup() {
      let first: unknown = undefined;
      for (const p of [...processors].reverse()) {
        try {
          await p.cleanup?.();
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
    },
  };
}
