// Seeded random inputs and mutations for the fuzzer: bytes, strings, JSON values, and mutations
// of valid samples (byte flips, truncation, splices; JSON value swaps; line edits for SDP).
// One seed reproduces a whole run.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1) (xorshift32). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Small sizes are likely, large ones possible (up to `max`). */
  size(max: number): number {
    const r = this.next();
    if (r < 0.6) return this.int(Math.min(max, 16) + 1);
    if (r < 0.9) return this.int(Math.min(max, 512) + 1);
    return this.int(max + 1);
  }
}

export function randomBytes(rng: Rng, max = 2048): Uint8Array {
  const out = new Uint8Array(rng.size(max));
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

const SPECIAL_STRINGS = [
  "",
  " ",
  "\u0000",
  "\uD800",
  "\uFFFF",
  "😀",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "v=0",
  "rtvi-ai",
  "%00",
  "../../etc/passwd",
  "\r\n",
  "a".repeat(70_000),
];

export function randomString(rng: Rng, max = 64): string {
  if (rng.chance(0.15)) return rng.pick(SPECIAL_STRINGS);
  const n = rng.size(max);
  let s = "";
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    s += r < 0.7 ? String.fromCharCode(32 + rng.int(95)) : r < 0.85 ? String.fromCharCode(rng.int(32)) : String.fromCodePoint(rng.int(0x10ffff + 1));
  }
  return s;
}

const SPECIAL_NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 16000, 24000, 8000, 48000, 3, 65536];

export function randomJson(rng: Rng, depth = 3, keys: readonly string[] = []): unknown {
  const r = rng.next();
  if (depth <= 0 || r < 0.45) {
    const s = rng.int(6);
    if (s === 0) return null;
    if (s === 1) return rng.chance(0.5);
    if (s === 2) return rng.chance(0.5) ? rng.pick(SPECIAL_NUMBERS) : (rng.next() - 0.5) * 10 ** rng.int(12);
    return randomString(rng);
  }
  if (r < 0.7) return Array.from({ length: rng.size(8) }, () => randomJson(rng, depth - 1, keys));
  const o: Record<string, unknown> = {};
  for (let i = rng.size(8); i > 0; i--) {
    const key = keys.length > 0 && rng.chance(0.6) ? rng.pick(keys) : randomString(rng, 12);
    o[key] = randomJson(rng, depth - 1, keys);
  }
  return o;
}

/** Byte-level mutation of a valid sample (and, sometimes, a splice with another). */
export function mutateBytes(rng: Rng, input: Uint8Array, other?: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input);
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = out.length === 0 ? 0 : rng.int(out.length);
    switch (rng.int(7)) {
      case 0:
        if (out.length) out[at] = out[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (out.length) out[at] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3: {
        const ins = randomBytes(rng, 16);
        out = concat(out.subarray(0, at), ins, out.subarray(at));
        break;
      }
      case 4:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.int(8))));
        break;
      case 5:
        out = concat(out, out.subarray(at));
        break;
      default:
        if (other && other.length) out = concat(out.subarray(0, at), other.subarray(rng.int(other.length)));
    }
  }
  return out;
}

/** Structural mutation of a JSON value: replace, drop or add a value somewhere inside. */
export function mutateJson(rng: Rng, value: unknown, keys: readonly string[] = []): unknown {
  if (rng.chance(0.1)) return randomJson(rng, 2, keys);
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length && rng.chance(0.7)) {
      const i = rng.int(copy.length);
      copy[i] = mutateJson(rng, copy[i], keys);
    } else if (rng.chance(0.5)) copy.push(randomJson(rng, 2, keys));
    else copy.splice(rng.int(copy.length + 1), 1);
    return copy;
  }
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const own = Object.keys(copy);
    const r = rng.next();
    if (own.length && r < 0.6) {
      const k = rng.pick(own);
      copy[k] = mutateJson(rng, copy[k], keys);
    } else if (own.length && r < 0.75) delete copy[rng.pick(own)];
    else copy[keys.length && rng.chance(0.7) ? rng.pick(keys) : randomString(rng, 12)] = randomJson(rng, 2, keys);
    return copy;
  }
  return randomJson(rng, 1, keys);
}

/** Text mutation: character edits, or line edits (delete, duplicate, swap, truncate) for line formats. */
export function mutateText(rng: Rng, text: string): string {
  if (rng.chance(0.5)) {
    const lines = text.split(/\r?\n/);
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const i = rng.int(Math.max(1, lines.length));
      switch (rng.int(6)) {
        case 0:
          lines.splice(i, 1);
          break;
        case 1:
          lines.splice(i, 0, lines[i] ?? "");
          break;
        case 2: {
          const j = rng.int(Math.max(1, lines.length));
          [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
          break;
        }
        case 3:
          lines[i] = (lines[i] ?? "").slice(0, rng.int((lines[i] ?? "").length + 1));
          break;
        case 4:
          lines[i] = (lines[i] ?? "").replace(/\d+/, () => String(rng.pick(SPECIAL_NUMBERS)));
          break;
        default:
          lines.splice(i, 0, randomString(rng, 40));
      }
    }
    return lines.join(rng.chance(0.8) ? "\r\n" : "\n");
  }
  const bytes = mutateBytes(rng, new TextEncoder().encode(text));
  return new TextDecoder().decode(bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
