// `aggregate:` Wave's own data work on an iterate step's items (no container, no agent): each completed item's
// artifact `from`, in the items' order, merged into one file by the strategy.
import { readFile } from 'node:fs/promises';
import type { Aggregate } from '../config/types.js';

export type Merged = { ok: true; text: string } | { ok: false; reason: string };

/** `files`: each item's artifact file, in item order (failed items left out by the caller). */
export async function mergeArtifacts(aggregate: Aggregate, files: readonly string[]): Promise<Merged> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  if (aggregate.strategy === 'concat') {
    return { ok: true, text: texts.map((t) => (t.endsWith('\n') || t === '' ? t : `${t}\n`)).join('') };
  }
  const values: unknown[] = [];
  for (const [i, text] of texts.entries()) {
    try {
      values.push(JSON.parse(text));
    } catch (err) {
      return { ok: false, reason: `item ${i}: '${aggregate.from}' is not JSON (${(err as Error).message})` };
    }
  }
  return aggregate.strategy === 'merge_arrays' ? mergeArrays(aggregate, values) : reduce(aggregate, values);
}

/** Every item's array, one after the other; with `key`, a later element with the same key replaces an earlier. */
function mergeArrays(aggregate: Aggregate, values: unknown[]): Merged {
  const out: unknown[] = [];
  const byKey = new Map<string, number>();
  for (const [i, value] of values.entries()) {
    if (!Array.isArray(value)) return { ok: false, reason: `item ${i}: '${aggregate.from}' is not a JSON array` };
    for (const element of value) {
      const key = aggregate.key === undefined ? undefined : keyOf(element, aggregate.key);
      const at = key === undefined ? undefined : byKey.get(key);
      if (at !== undefined) out[at] = element;
      else {
        if (key !== undefined) byKey.set(key, out.length);
        out.push(element);
      }
    }
  }
  return { ok: true, text: `${JSON.stringify(out, null, 2)}\n` };
}

/** One object: the items' objects merged field by field, or with `key` each item's object under its key's value. */
function reduce(aggregate: Aggregate, values: unknown[]): Merged {
  const out: Record<string, unknown> = {};
  for (const [i, value] of values.entries()) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, reason: `item ${i}: '${aggregate.from}' is not a JSON object` };
    }
    if (aggregate.key === undefined) {
      Object.assign(out, value);
      continue;
    }
    const key = keyOf(value, aggregate.key);
    if (key === undefined)
      return { ok: false, reason: `item ${i}: '${aggregate.from}' has no field '${aggregate.key}'` };
    out[key] = value;
  }
  return { ok: true, text: `${JSON.stringify(out, null, 2)}\n` };
}

function keyOf(value: unknown, field: string): string | undefined {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, field)) return undefined;
  const key = (value as Record<string, unknown>)[field];
  return typeof key === 'string' ? key : JSON.stringify(key);
}
