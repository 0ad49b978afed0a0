// Persona side files of the original format: `.agents/personas/<name>.yaml` (or `.wave/personas/<name>.yaml`)
// next to the prompt, holding a persona's description, model and permissions. What wave.yaml says about a persona
// wins; a field it leaves out is taken from the side file, so the file acts rather than being ignored.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { linkEscape, PROJECT_LAYOUTS } from './paths.js';
import type { Problem } from './problems.js';
import type { DocPath, Permissions, Persona } from './types.js';
import { parseYamlSource } from './yaml-source.js';

const FIELDS = ['description', 'model', 'permissions', 'temperature'] as const;

/** Fills each persona's missing description, model and permissions from its side file; problems are returned. */
export function applyPersonaSideFiles(personas: Record<string, Persona>, projectDir: string): Problem[] {
  const problems: Problem[] = [];
  for (const [name, persona] of Object.entries(personas)) {
    const file = PROJECT_LAYOUTS.map((dir) => path.join(projectDir, dir, 'personas', `${name}.yaml`)).find((f) =>
      existsSync(f),
    );
    if (file === undefined) continue;
    const escape = linkEscape(file, projectDir);
    if (escape) {
      problems.push({ severity: 'error', file, message: `persona side file ${escape}` });
      continue;
    }
    const src = parseYamlSource(file, readFileSync(file, 'utf8'));
    problems.push(...src.problems);
    if (src.problems.some((p) => p.severity === 'error') || src.value === null || src.value === undefined) continue;
    const error = (message: string, at: DocPath, where: 'key' | 'value' = 'value'): void => {
      const pos = src.locate(at, where);
      const hint = `a persona side file holds ${FIELDS.join(', ')}`;
      problems.push({ severity: 'error', file, line: pos?.line, column: pos?.column, message, hint });
    };
    const side = sideFile(src.value, error);
    if (side === undefined) continue;
    if (persona.description === undefined && side.description !== undefined) persona.description = side.description;
    if (persona.model === undefined && side.model !== undefined) persona.model = side.model;
    if (persona.permissions === undefined && side.permissions !== undefined) persona.permissions = side.permissions;
  }
  return problems;
}

type Side = Pick<Persona, 'description' | 'model' | 'permissions'>;

function sideFile(
  value: unknown,
  error: (message: string, at: DocPath, where?: 'key' | 'value') => void,
): Side | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    error('a persona side file must be a mapping', []);
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  let ok = true;
  const fail = (message: string, at: DocPath, where?: 'key' | 'value'): void => {
    ok = false;
    error(message, at, where);
  };
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) fail(`unknown key '${key}'`, [key], 'key');
  }
  for (const key of ['description', 'model'] as const) {
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || raw[key] === '')) {
      fail(`'${key}' must be a non-empty string`, [key]);
    }
  }
  if (raw.temperature !== undefined && typeof raw.temperature !== 'number')
    fail("'temperature' must be a number", ['temperature']);
  const permissions = raw.permissions;
  if (permissions !== undefined) {
    if (typeof permissions !== 'object' || permissions === null || Array.isArray(permissions)) {
      fail("'permissions' must be a mapping of allowed_tools and deny", ['permissions']);
    } else {
      for (const [key, list] of Object.entries(permissions)) {
        if (key !== 'allowed_tools' && key !== 'deny')
          fail(`unknown key 'permissions.${key}'`, ['permissions', key], 'key');
        else if (!Array.isArray(list) || list.some((t) => typeof t !== 'string' || t === '')) {
          fail(`'permissions.${key}' must be a list of tool patterns`, ['permissions', key]);
        }
      }
    }
  }
  if (!ok) return undefined;
  return {
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(typeof raw.model === 'string' ? { model: raw.model } : {}),
    ...(permissions !== undefined ? { permissions: permissions as Permissions } : {}),
  };
}
