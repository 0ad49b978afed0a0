// {{ steps.<step>.artifacts.<artifact>.<field>… }}: a field of a JSON input, read from the step's in/ folder on the
// host before its prompt or script is rendered. A string is used as it is, anything else as JSON; a missing field
// or an input that is not JSON fails the render with the reason.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Step } from '../config/types.js';
import type { StepGraph } from '../plan/graph.js';
import { stepInputs } from '../plan/inputs.js';
import type { TemplateContext } from '../plan/template.js';

export function jsonFieldReader(
  graph: StepGraph,
  step: Step,
  inDir: string,
): NonNullable<TemplateContext['readJsonField']> {
  const inputs = new Map(stepInputs(graph, step).map((i) => [`${i.from}/${i.output.name}`, i]));
  return (from, artifact, fieldPath) => {
    const input = inputs.get(`${from}/${artifact}`);
    if (!input) return { message: `step '${from}' gave this step no artifact '${artifact}'` };
    const value = readJsonPath(path.join(inDir, input.rel), fieldPath, `artifact '${artifact}' of step '${from}'`);
    if (!value.ok) return { message: value.message };
    return typeof value.value === 'string' ? value.value : JSON.stringify(value.value);
  };
}

/** The value at `fieldPath` in a JSON file (`what` names the file in messages). */
export function readJsonPath(
  file: string,
  fieldPath: readonly string[],
  what: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as Error).message.split('\n')[0] ?? '';
    return { ok: false, message: `${what} is not a JSON file (${why})` };
  }
  for (const [depth, key] of fieldPath.entries()) {
    const here = value as Record<string, unknown> | null;
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) {
      return { ok: false, message: `${what} has no field '${fieldPath.slice(0, depth + 1).join('.')}'` };
    }
    value = here[key];
  }
  return { ok: true, value };
}
