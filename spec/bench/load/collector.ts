// What the callers measure during one window, pooled over every caller. Reset at the start of
// a window, read at its end. Times in ms.

import type { TurnRecord } from "./turnLegs.ts";

export class Collector {
  /** EOT decision (server) → first bot audio message received (client), minus the configured stand-in latencies. */
  turnWire: number[] = [];
  /** EOT decision → BotStartedSpeaking in the server (first audio chunk handed to the socket), minus the configured stand-in latencies. */
  turnServer: number[] = [];
  /** Barge-in decision (server) → last bot audio message received (client); 0 when none came after it. */
  cutoffWire: number[] = [];
  /** Barge-in decision → the InterruptionFrame reaching the transport (server). */
  cutoffServer: number[] = [];
  /** How late each microphone frame left the generator against its deadline. */
  sendLate: number[] = [];
  /** Each answered turn's end-of-turn stamp, first-audio arrival and turn tag (for turnLegs). */
  turnRecords: TurnRecord[] = [];
  /** End-of-turn decisions seen. */
  turns = 0;
  /** Turns with no bot audio within the answer timeout (and not superseded by a new user turn). */
  failedTurns = 0;
  /** Utterances that got no end-of-turn decision from the server within the timeout. */
  missedTurns = 0;
  /** Sockets the server closed, or that failed to open. */
  droppedSessions = 0;

  reset(): void {
    this.turnWire = [];
    this.turnServer = [];
    this.cutoffWire = [];
    this.cutoffServer = [];
    this.sendLate = [];
    this.turnRecords = [];
    this.turns = 0;
    this.failedTurns = 0;
    this.missedTurns = 0;
    this.droppedSessions = 0;
  }
}
