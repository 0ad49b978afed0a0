// Small Markdown helpers for the generated instructions and the retry prompt.

/** A fenced code block whose fence cannot be closed by the content (longer than any backtick run in it). */
export function fenced(lang: string, content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${content.replace(/\n$/, '')}\n${fence}`;
}

/** Cuts `text` at `max` characters (on a line boundary when one is near) and says how much was left out. */
export function truncate(text: string, max: number): { text: string; truncated: boolean; omitted: number } {
  if (text.length <= max) return { text, truncated: false, omitted: 0 };
  const cut = text.lastIndexOf('\n', max);
  const end = cut > max * 0.8 ? cut : max;
  return { text: text.slice(0, end), truncated: true, omitted: text.length - end };
}

/** Inline code that survives backticks in the value. */
export function code(value: string): string {
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return longest > 0 ? `${ticks} ${value} ${ticks}` : `${ticks}${value}${ticks}`;
}
