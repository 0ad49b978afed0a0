// Credential scrubbing for everything Wave writes (events, state, logs, traces): the exact values of every secret
// the run handled, and the shapes of well-known keys. Applied where text first enters Wave (a container's output
// line, a tool call's input), so no sink downstream ever sees the secret.

/** Shapes of provider and forge credentials (the original's list, tightened). */
const KEY_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{20,}/g, // Anthropic
  /sk-(?:proj-)?[A-Za-z0-9_-]{20,}/g, // OpenAI
  /AIza[0-9A-Za-z_-]{35}/g, // Google API keys
  /AKIA[0-9A-Z]{16}/g, // AWS access key ids
  /gh[pousr]_[A-Za-z0-9]{36,}/g, // GitHub tokens
  /github_pat_[A-Za-z0-9_]{60,}/g,
  /glpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /xox[abporsc]-[A-Za-z0-9-]{10,}/g, // Slack
  /(?<=\b(?:bearer|Bearer|BEARER)\s)[A-Za-z0-9._~+/-]{20,}=*/g,
];

export const REDACTED = '[REDACTED]';

export type Scrub = (text: string) => string;

/** A scrubber for these exact secret values (shorter than 8 characters are ignored: too many false hits). */
export function scrubber(secrets: readonly string[]): Scrub {
  const exact = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const pattern of KEY_PATTERNS) out = out.replace(pattern, REDACTED);
    return out;
  };
}

/**
 * The host's values of the given variables (a step's passthrough list, every provider credential the gateway
 * reads): what must never appear in anything Wave stores or prints, whichever step or CLI printed it.
 */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>, names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value) out.push(value);
  }
  return out;
}

/** Applies `first` (when there is one), then `second`. */
export function chainScrubs(first: Scrub | undefined, second: Scrub): Scrub {
  return first ? (text) => second(first(text)) : second;
}
