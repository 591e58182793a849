// In-process fuzz targets: each parser gets random and mutated inputs and must either accept
// them or reject them with its documented error type. Anything else thrown is a crash.
//
//   json      jsonSerializer.deserialize (text and binary), then serialize of what it returned
//             documented: SerializerError
//   protobuf  protobufSerializer.deserialize, then serialize       documented: SerializerError
//   rtvi      RTVI client messages through the RTVI processor (head + observer): it must
//             answer with error messages (counted as rejected), never throw or error its stream
//   sdp       parseOfferRequest / parseSdp / parsePatchRequest    documented: SignallingError
//   config    parseConfig on objects, loadConfig on files + env   documented: ConfigError

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NEVER, Subject } from "rxjs";
import { ConfigError, loadConfig, parseConfig } from "../../../lib/config/index.ts";
import { ENV_OVERRIDES } from "../../../lib/config/envOverrides.ts";
import { counterIds, createFrame, type Frame } from "../../../lib/frames/index.ts";
import { createContext } from "../../../lib/pipeline/context.ts";
import { pipeline } from "../../../lib/pipeline/pipeline.ts";
import { rtviProcessor } from "../../../lib/processors/frameworks/rtvi/rtviProcessor.ts";
import { jsonSerializer } from "../../../lib/serializers/json.ts";
import { protobufSerializer } from "../../../lib/serializers/protobuf.ts";
import { SerializerError, type FrameSerializer } from "../../../lib/serializers/serializer.ts";
import { parseOfferRequest, parsePatchRequest, parseSdp, SignallingError } from "../../../lib/transports/webrtc/offerRequest.ts";
import { CONFIG_KEYS, ENVELOPE_KEYS, jsonEnvelopes, protobufFrames, RTVI_MESSAGES, configSamples } from "./corpus.ts";
import { mutateBytes, mutateJson, mutateText, randomBytes, randomJson, randomString, type Rng } from "./random.ts";

/** What one input did: accepted, rejected with the documented error, or a crash (thrown). */
export type Verdict = "accepted" | "rejected";

export interface ParserTarget {
  readonly name: string;
  /** Feeds one random input. Throws only for a crash. */
  run(rng: Rng): Verdict;
  /** A short description of the last input, for crash reports. */
  lastInput(): string;
  close?(): void;
}

export class Crash extends Error {
  constructor(
    readonly target: string,
    readonly input: string,
    override readonly cause: unknown,
  ) {
    super(`${target}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
  }
}

export function preview(value: unknown, max = 160): string {
  let text: string;
  if (value instanceof Uint8Array) text = `bytes[${value.length}] ${Buffer.from(value.subarray(0, 48)).toString("hex")}`;
  else if (typeof value === "string") text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Runs `work`; its documented error is a rejection, anything else is rethrown as a crash. */
function guarded(name: string, input: unknown, documented: (e: unknown) => boolean, work: () => void): Verdict {
  try {
    work();
    return "accepted";
  } catch (error) {
    if (documented(error)) return "rejected";
    throw new Crash(name, preview(input), error);
  }
}

const isSerializerError = (e: unknown): boolean => e instanceof SerializerError;

function serializerTarget(name: string, serializer: FrameSerializer, input: (rng: Rng) => { data: string | Uint8Array; binary: boolean }): ParserTarget {
  let last: unknown;
  return {
    name,
    run(rng) {
      const { data, binary } = input(rng);
      last = data;
      return guarded(name, data, isSerializerError, () => {
        for (const frame of serializer.deserialize(data, binary)) serializer.serialize(frame);
      });
    },
    lastInput: () => preview(last),
  };
}

export function jsonTarget(): ParserTarget {
  const seeds = jsonEnvelopes();
  const texts = seeds.map((s) => JSON.stringify(s));
  const encoder = new TextEncoder();
  return serializerTarget("json", jsonSerializer(counterIds()), (rng) => {
    const r = rng.next();
    if (r < 0.35) return { data: JSON.stringify(mutateJson(rng, rng.pick(seeds), ENVELOPE_KEYS)) ?? "null", binary: false };
    if (r < 0.6) return { data: mutateText(rng, rng.pick(texts)), binary: false };
    if (r < 0.75) return { data: JSON.stringify(randomJson(rng, 4, ENVELOPE_KEYS)) ?? "null", binary: false };
    if (r < 0.85) return { data: randomString(rng, 256), binary: false };
    if (r < 0.95) return { data: mutateBytes(rng, encoder.encode(rng.pick(texts))), binary: true };
    return { data: randomBytes(rng), binary: true };
  });
}

export function protobufTarget(): ParserTarget {
  const seeds = protobufFrames();
  return serializerTarget("protobuf", protobufSerializer(counterIds(), { sendText: true }), (rng) => {
    const r = rng.next();
    if (r < 0.75) return { data: mutateBytes(rng, rng.pick(seeds), rng.pick(seeds)), binary: true };
    if (r < 0.95) return { data: randomBytes(rng), binary: true };
    return { data: randomString(rng), binary: false };
  });
}

/** RTVI head + observer in a pipeline, fed transport messages; rebuilt every 500 inputs. */
export function rtviTarget(): ParserTarget {
  let last: unknown;
  let input!: Subject<Frame>;
  let streamError: unknown;
  let refused = false;
  let fed = 0;
  let teardown: () => void = () => {};
  const ids = counterIds();
  const build = (): void => {
    teardown();
    const ctx = createContext({ ids });
    const rtvi = rtviProcessor(ctx);
    input = new Subject<Frame>();
    const ends = pipeline("fuzz_rtvi", [rtvi, rtvi.observer]).link({ down: input, up: NEVER });
    const fail = (e: unknown): void => {
      streamError = e;
    };
    const watch = (frame: Frame): void => {
      if (frame.type !== "OutputTransportMessageUrgentFrame") return;
      const type = (frame.message as { type?: unknown } | null)?.type;
      if (type === "error-response" || type === "error") refused = true;
    };
    const subs = [ends.down.subscribe({ next: watch, error: fail }), ends.up.subscribe({ error: fail })];
    teardown = () => subs.forEach((s) => s.unsubscribe());
    input.next(createFrame(ids, "StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: true, enable_metrics: false, enable_usage_metrics: false }));
  };
  build();
  return {
    name: "rtvi",
    run(rng) {
      if (fed++ % 500 === 0) build();
      let message: unknown = rng.chance(0.9) ? mutateJson(rng, rng.pick(RTVI_MESSAGES), ["type", "data", "id", "label", "version", "t", "d"]) : randomJson(rng, 3);
      if (rng.chance(0.8) && typeof message === "object" && message !== null && !Array.isArray(message)) message = { ...message, label: "rtvi-ai" };
      last = message;
      const asObject = typeof message === "object" && message !== null && !Array.isArray(message) ? (message as Record<string, unknown>) : { value: message };
      refused = false;
      try {
        input.next(createFrame(ids, "InputTransportMessageFrame", { message: asObject }));
      } catch (error) {
        build();
        throw new Crash("rtvi", preview(message), error);
      }
      if (streamError !== undefined) {
        const error = streamError;
        streamError = undefined;
        build();
        throw new Crash("rtvi", preview(message), error);
      }
      return refused ? "rejected" : "accepted";
    },
    lastInput: () => preview(last),
    close: () => teardown(),
  };
}

export function sdpTarget(offer: string): ParserTarget {
  let last: unknown;
  const isSignallingError = (e: unknown): boolean => e instanceof SignallingError;
  const patch = { pc_id: "pc-1", candidates: [{ candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", sdp_mid: "0", sdp_mline_index: 0 }] };
  const keys = ["sdp", "type", "pc_id", "pcId", "restart_pc", "restartPc", "request_data", "requestData", "candidates", "candidate", "sdp_mid", "sdpMid", "sdp_mline_index"];
  return {
    name: "sdp",
    run(rng) {
      const r = rng.next();
      if (r < 0.4) {
        const body = mutateJson(rng, { sdp: mutateText(rng, offer), type: "offer", pc_id: null, restart_pc: false, request_data: { a: 1 } }, keys);
        last = body;
        return guarded("sdp", body, isSignallingError, () => void parseOfferRequest(body));
      }
      if (r < 0.6) {
        const text = rng.chance(0.5) ? mutateText(rng, offer) : JSON.stringify({ type: "offer", sdp: mutateText(rng, offer) });
        last = text;
        return guarded("sdp", text, isSignallingError, () => void parseOfferRequest(text));
      }
      if (r < 0.75) {
        const text = rng.chance(0.8) ? mutateText(rng, offer) : randomString(rng, 512);
        last = text;
        return guarded("sdp", text, isSignallingError, () => void parseSdp(text));
      }
      if (r < 0.9) {
        const body = mutateJson(rng, patch, keys);
        last = body;
        return guarded("sdp", body, isSignallingError, () => void parsePatchRequest(body));
      }
      const body = randomJson(rng, 3, keys);
      last = body;
      return guarded("sdp", body, isSignallingError, () => void parseOfferRequest(body));
    },
    lastInput: () => preview(last),
  };
}

export function configTarget(): ParserTarget {
  const { objects, texts } = configSamples();
  const dir = mkdtempSync(join(tmpdir(), "voxray-fuzz-config-"));
  const file = join(dir, "config.json");
  const envNames = ENV_OVERRIDES.flatMap((o) => o.vars);
  const isConfigError = (e: unknown): boolean => e instanceof ConfigError;
  let last: unknown;
  return {
    name: "config",
    run(rng) {
      const r = rng.next();
      if (r < 0.7) {
        const input = mutateJson(rng, rng.pick(objects), CONFIG_KEYS);
        last = input;
        return guarded("config", input, isConfigError, () => void parseConfig(input));
      }
      if (r < 0.85) {
        const input = randomJson(rng, 3, CONFIG_KEYS);
        last = input;
        return guarded("config", input, isConfigError, () => void parseConfig(input));
      }
      const text = rng.chance(0.6) ? mutateText(rng, rng.pick(texts)) : (JSON.stringify(mutateJson(rng, rng.pick(objects), CONFIG_KEYS)) ?? "");
      const env: Record<string, string> = {};
      for (let n = rng.int(4); n > 0; n--) env[rng.pick(envNames)] = rng.chance(0.5) ? randomString(rng, 16) : String(rng.int(100_000));
      writeFileSync(file, text);
      last = { file: text, env };
      return guarded("config", last, isConfigError, () => void loadConfig({ path: file, env, cwd: dir }));
    },
    lastInput: () => preview(last),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
