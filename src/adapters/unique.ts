// Order-preserving de-duplication, for rule lists (permission projections) and error texts alike.

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** The first item with each key stays, in order. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
