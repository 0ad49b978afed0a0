// HTML built by a tagged template that escapes every interpolated value unless it is already SafeHtml: step
// output, artifact names and errors are untrusted, and there is no way to splice them in unescaped by mistake.

const SAFE = Symbol('SafeHtml');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly text: string;
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

/** Escapes the five characters that matter in text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Marks text as already safe; only for text this module or a sanitiser produced. */
export function trusted(text: string): SafeHtml {
  return { [SAFE]: true, text };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value;
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean') return escapeHtml(`${part}`);
  if (isSafe(part)) return part.text;
  return part.map(render).join('');
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return trusted(out);
}

/** A URL path built from segments, each percent-encoded (run and step ids, artifact names). */
export function href(...segments: readonly (string | number)[]): string {
  return '/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}
