// Reads a model script from YAML and reports every problem at file:line:column, using the same YAML source
// helper and problem format as the pipeline loader, so a broken script reads like a broken pipeline.

import { readFile } from 'node:fs/promises';
import { parseYamlSource } from '../config/yaml-source.js';
import { formatProblem, type Problem } from '../config/problems.js';
import { WaveError } from '../errors.js';
import { formatScriptPath, validateModelScript, type ScriptPath } from './script-validate.js';
import type { ModelScript } from './types.js';

export async function loadModelScript(file: string): Promise<ModelScript> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WaveError('file_not_found', `cannot read model script ${file}: ${(err as Error).message}`, {
      hint: 'pass the path of a YAML model script (see src/model/README.md)',
      cause: err,
    });
  }
  return parseModelScript(text, file);
}

/** Parses and validates script text; `file` is only used in messages. Throws a WaveError listing every problem. */
export function parseModelScript(text: string, file = '<model script>'): ModelScript {
  const source = parseYamlSource(file, text);
  const problems: Problem[] = source.problems.filter((p) => p.severity === 'error');
  if (problems.length === 0) {
    const where = (path: ScriptPath): string => {
      const pos = source.locate(path);
      return pos ? `${file}:${pos.line}` : `${file} ${formatScriptPath(path)}`;
    };
    const { script, problems: found } = validateModelScript(source.value, where);
    for (const p of found) {
      const pos = source.locate(p.path, p.at);
      problems.push({
        severity: 'error',
        file,
        line: pos?.line,
        column: pos?.column,
        message: `${formatScriptPath(p.path)}: ${p.message}`,
      });
    }
    if (problems.length === 0) return { ...script, file };
  }
  const first = problems[0];
  const count = problems.length === 1 ? '' : ` (and ${problems.length - 1} more)`;
  throw new WaveError('manifest_invalid', `invalid model script: ${first ? formatProblem(first) : file}${count}`, {
    details: problems.map((p) => formatProblem(p)),
    hint: 'the model script format is described in src/model/README.md',
  });
}

/** Validates a script written inline (tests); throws with document paths instead of line numbers. */
export function modelScriptFromObject(value: unknown, name = '<inline model script>'): ModelScript {
  const { script, problems } = validateModelScript(value);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${name}: ${formatScriptPath(p.path)}: ${p.message}`);
    throw new WaveError('manifest_invalid', `invalid model script: ${lines[0]}`, { details: lines });
  }
  return script;
}
