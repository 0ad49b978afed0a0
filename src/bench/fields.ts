// Checks of one task's fields, shared by the dataset readers: each returns the value or throws a FieldError whose
// message names the field, so a reader reports the task on one line and goes on with the next.

export class FieldError extends Error {}

type Fields = Record<string, unknown>;

/** A task id becomes a folder name and a JUnit test name: letters, digits and . _ - only. */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function taskId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !TASK_ID.test(value)) {
    throw new FieldError(`${field}: expected an id of letters, digits, '.', '_' or '-' (got ${show(value)})`);
  }
  return value;
}

export function text(fields: Fields, ...names: string[]): string {
  const name = names.find((n) => fields[n] !== undefined);
  const value = name === undefined ? undefined : fields[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FieldError(`${names[0]}: missing or empty (a non-empty string is needed)`);
  }
  return value;
}

export function optionalText(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new FieldError(`${name}: expected a string (got ${show(value)})`);
  return value;
}

/** A list of test names: a JSON array, or (as SWE-bench's published files have it) a string holding one. */
export function testList(fields: Fields, name: string): string[] {
  let value = fields[name];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new FieldError(`${name}: a string that is not a JSON list of test names`);
    }
  }
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t !== '')) {
    throw new FieldError(`${name}: expected a list of test names`);
  }
  return value as string[];
}

export function optionalBool(fields: Fields, name: string): boolean | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new FieldError(`${name}: expected true or false (got ${show(value)})`);
  return value;
}

/** Seconds, as a positive number, in milliseconds. */
export function optionalSeconds(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FieldError(`${name}: expected a positive number of seconds (got ${show(value)})`);
  }
  return Math.round(value * 1000);
}

export function optionalPositive(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FieldError(`${name}: expected a positive number (got ${show(value)})`);
  }
  return value;
}

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}
