// Text a step produced (its output, file names, error messages built from them) is the attacker's text. Written
// raw to a terminal it can set the window title, clear the screen, move the cursor over earlier lines, fill the
// clipboard (OSC 52), start bracketed paste, or reorder what is shown (bidi overrides). Every printer of such text
// goes through this file: control characters become visible escapes, so each sequence prints as inert text
// (`\x1b]0;title\x07`) and nothing reaches the terminal as a command.

/**
 * What is never written raw: C0 controls except tab and newline (ESC, BEL, CR, BS …), DEL, the C1 controls
 * (U+0080–U+009F: an 8-bit CSI or OSC), and the characters that change the order or direction of text (bidi
 * embeddings, overrides and isolates, the implicit marks) or break lines outside `\n` (U+2028, U+2029).
 */
// eslint-disable-next-line no-control-regex -- control characters are what this neutralises
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set minus the C0 controls, which JSON.stringify already escapes. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Untrusted text made safe to print on a terminal: controls shown as `\x1b`, `\x9b`, `\u202e` …; `\n` and `\t` kept. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Every string inside a value (an event, a record) made terminal-safe; other values are kept as they are. */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalSafeDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = terminalSafeDeep(item);
    return out as T;
  }
  return value;
}

/**
 * JSON.stringify for output a terminal may show (`--json`, `-o json`). JSON already escapes C0 controls, but
 * writes DEL, C1 controls and bidi characters raw; they can only occur inside strings, so escaping them as
 * `\u009b` … keeps the JSON valid and its parsed value identical.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
