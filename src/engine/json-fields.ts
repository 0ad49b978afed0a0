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
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path.join(inDir, input.rel), 'utf8'));
    } catch (err) {
      const why = (err as Error).message.split('\n')[0] ?? '';
      return { message: `artifact '${artifact}' of step '${from}' is not a JSON file (${why})` };
    }
    for (const [depth, key] of fieldPath.entries()) {
      const here = value as Record<string, unknown> | null;
      if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) {
        const at = fieldPath.slice(0, depth + 1).join('.');
        return { message: `artifact '${artifact}' of step '${from}' has no field '${at}'` };
      }
      value = here[key];
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
}
