// Where the `{{ … }}` placeholders of a text are: the syntax the pipeline file format shares with the templates.
// It lives in config because the loader refuses placeholders where they would not be filled in (a contract
// command); what they mean and how they are filled in is plan/template.ts.

export interface TemplateVar {
  /** The trimmed expression between the braces, e.g. "deps.analyze.analysis". */
  expr: string;
  /** Offsets of the whole `{{ … }}` in the text. */
  start: number;
  end: number;
  /** 1-based position of the `{{` within the text. */
  line: number;
  column: number;
  /** Index among all `{{ … }}` of the text, escaped ones included (to find it again in a file's source). */
  ordinal: number;
}

/** Every `{{ … }}`; group 1 is the escaping backslash, group 2 the expression. */
export const PLACEHOLDER = /(\\?)\{\{([^{}]*)\}\}/g;

export function findTemplateVars(text: string): TemplateVar[] {
  const out: TemplateVar[] = [];
  let ordinal = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const current = ordinal++;
    if (m[1] === '\\') continue; // escaped
    const start = m.index ?? 0;
    const before = text.slice(0, start);
    const line = before.split('\n').length;
    const column = start - before.lastIndexOf('\n');
    out.push({ expr: (m[2] ?? '').trim(), start, end: start + m[0].length, line, column, ordinal: current });
  }
  return out;
}

/** Offsets of every `{{ … }}` in a text, escaped ones included: the positions that `ordinal` counts. */
export function placeholderOffsets(text: string): number[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m.index ?? 0);
}
