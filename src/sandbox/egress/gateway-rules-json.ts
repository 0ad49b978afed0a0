// Strict JSON for request bodies the model gateway inspects. The gateway must read a body exactly as the provider
// will, or a step could show it one request and the provider another: so bytes that are not valid UTF-8 and
// objects with a key given twice (JSON.parse keeps the last one, other parsers the first) are refused instead of
// being read one way here and maybe another way upstream.

export type StrictJson = { ok: true; value: unknown } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseStrictJson(body: Uint8Array): StrictJson {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, error: 'the body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `the body is not valid JSON (${(err as Error).message})` };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined)
    return { ok: false, error: `the body gives the key ${JSON.stringify(duplicate)} twice in one object` };
  return { ok: true, value };
}

/**
 * The first key that appears twice in one object of `text`, which must already be valid JSON. Keys are compared
 * decoded (`"tools"` and `"tool\u0073"` are the same key). One linear pass with a stack of the open containers.
 */
export function findDuplicateKey(text: string): string | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(i, end + 1);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opening at `start` (valid JSON: it exists). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length - 1;
    let backslashes = 0;
    for (let j = q - 1; j > start && text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}
