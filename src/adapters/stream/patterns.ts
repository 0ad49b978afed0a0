// Long patterns (the CLIs' refusal and error wordings) written as several regex literals, so that each piece stays
// readable and a line short, without escaping anything twice.

/** Matches any of the phrases; case-insensitive unless other flags are given. */
export function anyOf(phrases: readonly RegExp[], flags = 'i'): RegExp {
  return new RegExp(phrases.map((p) => p.source).join('|'), flags);
}

/** The parts one after the other, as one pattern. */
export function sequence(parts: readonly RegExp[], flags = ''): RegExp {
  return new RegExp(parts.map((p) => p.source).join(''), flags);
}
