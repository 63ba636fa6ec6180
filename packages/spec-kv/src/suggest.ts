/** Edit distance (insertions, deletions, substitutions) between two short strings. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The candidate closest to `input` by edit distance, if it is close enough to be a likely typo
 * (at most 2 edits, or a third of the length for long names); undefined otherwise. A candidate
 * ending in `:` (a prefix family) is compared with the input's own prefix.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const colon = input.indexOf(':');
    const probe = candidate.endsWith(':') && colon > 0 ? input.slice(0, colon + 1) : input;
    const d = distance(probe, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance > 0 && bestDistance <= limit ? best : undefined;
}
