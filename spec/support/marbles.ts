// Marble-test helpers: a TestScheduler wired to vitest's deep equality, and frames made
// from letters so marble diagrams stay readable.

import { TestScheduler } from "rxjs/testing";
import { expect } from "vitest";
import { createFrame, type Frame, type FrameInit, type FrameType } from "../../lib/frames/index.ts";

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

let nextId = 1;

/** A frame with a fixed id, for marble value maps. */
export function frame<K extends FrameType>(type: K, fields: FrameInit<K> = {} as FrameInit<K>): Frame {
  return createFrame({ next: () => nextId++ }, type, fields) as Frame;
}

export const text = (t: string): Frame => frame("TextFrame", { text: t });
export const interruption = (): Frame => frame("InterruptionFrame", {});
