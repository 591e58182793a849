// What the RTVI head processor and its observer share for one session.

export class RecentIds {
  private readonly ring: number[] = [];
  private readonly set = new Set<number>();
  /** 64 ids: far more than the frames that can be in flight between head and tail at once. */
  constructor(private readonly capacity = 64) {}

  /** True the first time an id is offered, false after (while it is still remembered). */
  firstSight(id: number): boolean {
    if (this.set.has(id)) return false;
    this.set.add(id);
    this.ring.push(id);
    if (this.ring.length > this.capacity) this.set.delete(this.ring.shift()!);
    return true;
  }
}

export interface RtviState {
  /** client-ready seen: server events flow only after it (errors always do). */
  clientReady: boolean;
  /** The client speaks protocol 1.x: bot-output uses the 1.x shape. */
  legacy: boolean;
  userSpeaking: boolean;
  botSpeaking: boolean;
  /** Frames already reported: the head and the observer may both see one frame. */
  readonly reported: RecentIds;
}

export function createRtviState(): RtviState {
  return { clientReady: false, legacy: false, userSpeaking: false, botSpeaking: false, reported: new RecentIds() };
}
