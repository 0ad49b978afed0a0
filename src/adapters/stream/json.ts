// Defensive reading of a CLI's NDJSON: every line may be noise, every field may be missing or of another type. A
// reader here never throws; what it cannot read is undefined (or empty).

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One NDJSON line → an object, or undefined for empty lines, non-JSON noise and non-object JSON. */
export function parseJsonLine(line: string): JsonObject | undefined {
  const text = line.trim();
  if (text === '' || text[0] !== '{') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The objects in a chunk of NDJSON: one line, or several joined by newlines; each line as parseJsonLine reads it. */
export function parseJsonLines(text: string): JsonObject[] {
  return text.split('\n').flatMap<JsonObject>((line) => parseJsonLine(line) ?? []);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite, non-negative number (token counts, costs, durations), else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A number as num() reads it that is also an integer (an HTTP status), else undefined. */
export function int(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The object without its undefined-valued keys: events and outcomes never carry a key without a value. */
export function defined<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
