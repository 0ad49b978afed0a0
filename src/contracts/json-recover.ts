// Opt-in JSON recovery (json_schema `recover: true`): models often wrap the JSON in prose or a ```json fence.
// Only extraction is attempted — never "repairs" such as adding quotes or commas, which would guess at content.
// The caller rewrites the file with what was extracted, so later steps read the same JSON that was validated
// (the original validated a recovered value but left the broken file for the next step).

/** Candidates in order of preference: fenced ```json blocks, other fenced blocks, then balanced {...}/[...] spans. */
function* candidates(text: string): Generator<string> {
  const fence = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)^[ \t]*\1[ \t]*$/gm;
  const tagged: string[] = [];
  const untagged: string[] = [];
  for (const m of text.matchAll(fence)) {
    const lang = (m[2] ?? '').toLowerCase();
    const body = m[3] ?? '';
    if (lang === 'json' || lang === 'jsonc' || lang === 'json5') tagged.push(body);
    else if (lang === '') untagged.push(body);
  }
  yield* tagged;
  yield* untagged;
  let tries = 0;
  for (let i = 0; i < text.length && tries < 100; i++) {
    const c = text[i];
    if (c !== '{' && c !== '[') continue;
    tries++;
    const end = balancedEnd(text, i);
    if (end !== undefined) {
      yield text.slice(i, end + 1);
      i = end; // the first top-level span: do not descend into it
    }
  }
}

/** The index of the bracket closing the one at `start`, honouring strings; undefined if unbalanced. */
function balancedEnd(text: string, start: number): number | undefined {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return undefined;
      if (stack.length === 0) return i;
    }
  }
  return undefined;
}

export interface Recovered {
  /** The extracted JSON text, trimmed. */
  text: string;
  value: unknown;
}

/** Extracts the first parsable JSON object or array from `text`, or undefined. */
export function recoverJson(text: string): Recovered | undefined {
  for (const candidate of candidates(text)) {
    const trimmed = candidate.trim();
    if (trimmed === '') continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      // A bare string or number in prose is not what a schema'd artifact is; only structures count.
      if (value !== null && typeof value === 'object') return { text: trimmed, value };
    } catch {
      /* next candidate */
    }
  }
  return undefined;
}
