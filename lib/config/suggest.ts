// "Did you mean" for misspelt keys and environment variables.

/** The candidate closest to `name`, when it is close enough to be a likely typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = normalize(name);
  const all = [...candidates];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of all) {
    const distance = editDistance(wanted, normalize(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // One edit per three characters: "trun_stop_secs" → "turn_stop_secs", but "foo" ↛ "host".
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  if (bestDistance <= allowed) return best;
  // A shortened name ("user" for "username") when only one key starts with it.
  const longer = wanted.length >= 4 ? all.filter((c) => normalize(c).startsWith(wanted)) : [];
  return longer.length === 1 ? longer[0] : undefined;
}

/** camelCase, kebab-case and case differences are not typos: turnStopSecs ≡ turn_stop_secs. */
function normalize(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/-/g, "_")
    .toLowerCase();
}

/** Levenshtein distance where swapping two neighbours counts as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}
