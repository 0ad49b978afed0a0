// `branch:`: which case a value picks. A string matches the case of the same name; a number, boolean or null
// matches its JSON text (`3`, `true`, `null`); anything else matches only `_default`. A case names a pipeline of
// the project or `skip`.
import type { Branch } from '../config/types.js';

export const SKIP_CASE = 'skip';
export const DEFAULT_CASE = '_default';

export type PickedCase = { ok: true; key: string; pipeline: string | undefined } | { ok: false; message: string };

export function pickCase(branch: Branch, value: unknown): PickedCase {
  const text = caseText(value);
  const key = text !== undefined && Object.hasOwn(branch.cases, text) ? text : DEFAULT_CASE;
  const target = Object.hasOwn(branch.cases, key) ? branch.cases[key] : undefined;
  if (target === undefined) {
    const shown = text === undefined ? `a JSON ${Array.isArray(value) ? 'array' : 'object'}` : `'${text}'`;
    const cases = Object.keys(branch.cases).join(', ');
    return { ok: false, message: `branch.on ${branch.on} is ${shown}, which no case matches (cases: ${cases})` };
  }
  return { ok: true, key, pipeline: target === SKIP_CASE ? undefined : target };
}

/** The pipelines a branch may run (its cases other than skip). */
export function casePipelines(branch: Branch): string[] {
  return [...new Set(Object.values(branch.cases).filter((c) => c !== SKIP_CASE))];
}

function caseText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return undefined;
}
