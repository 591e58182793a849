// VAD parameters, with Pipecat's defaults and names (the config file and VADParamsUpdateFrame
// use the same snake_case keys). stop_secs was 0.8 in early Pipecat and is 0.2 since; the
// STT wait logic downstream assumes 0.2.

export interface VADParams {
  /** Speech probability a window needs to count as speech (0..1). */
  readonly confidence: number;
  /** Seconds of consecutive speech windows before speech_start. */
  readonly start_secs: number;
  /** Seconds of consecutive non-speech windows before speech_stop. */
  readonly stop_secs: number;
  /** Smoothed loudness (0..1) a window needs to count as speech; 0 turns the volume gate off. */
  readonly min_volume: number;
}

export const DEFAULT_VAD_PARAMS: VADParams = Object.freeze({
  confidence: 0.7,
  start_secs: 0.2,
  stop_secs: 0.2,
  min_volume: 0.6,
});

/** Longest start/stop window accepted: longer is surely a unit mistake (ms given as secs). */
const MAX_SECS = 30;

/** Raised for VAD parameters out of range; the message names the key and the value. */
export class VADParamsError extends RangeError {
  override readonly name = "VADParamsError";
}

/** Complete, validated parameters: the defaults (or `base`) overridden by `overrides`. */
export function resolveVADParams(overrides: Partial<VADParams> = {}, base: VADParams = DEFAULT_VAD_PARAMS): VADParams {
  const merged: VADParams = {
    confidence: overrides.confidence ?? base.confidence,
    start_secs: overrides.start_secs ?? base.start_secs,
    stop_secs: overrides.stop_secs ?? base.stop_secs,
    min_volume: overrides.min_volume ?? base.min_volume,
  };
  validateVADParams(merged);
  return Object.freeze(merged);
}

/** Throws VADParamsError unless every field is a finite number in its range. */
export function validateVADParams(params: VADParams): void {
  checkRange("confidence", params.confidence, 0, 1);
  checkRange("start_secs", params.start_secs, 0, MAX_SECS);
  checkRange("stop_secs", params.stop_secs, 0, MAX_SECS);
  checkRange("min_volume", params.min_volume, 0, 1);
}

function checkRange(key: keyof VADParams, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new VADParamsError(`VAD param ${key} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
}
