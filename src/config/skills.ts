// A pipeline's skills (the original format's `skills: [name]`): SKILL.md folders of the project, at
// `.wave/skills/<name>/` or `.agents/skills/<name>/` (first found). They are handed to the agent CLI as files under
// its HOME, in the user-level skills folder each CLI documents and its pinned version reads (SKILL_HOMES), copied
// into the step's throwaway HOME, so nothing the agent does to them reaches the project. Only text files, nothing
// through a link, at most MAX_SKILL_BYTES per skill.

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { isInside, PROJECT_LAYOUTS } from './paths.js';

export const MAX_SKILL_BYTES = 1024 * 1024;

/**
 * The CLIs Wave gives skills to, and the user-level folder under HOME each loads them from (checked on the pinned
 * versions: the e2e tests see each CLI offer the skill to the model).
 *   claude    ~/.claude/skills/<name>/SKILL.md
 *   codex     ~/.agents/skills/<name>/SKILL.md           (0.169: "user-agent-skills"; ~/.codex/skills is the old one)
 *   gemini    $GEMINI_CLI_HOME/.gemini/skills/<name>/    (0.61: Storage.getUserSkillsDir; GEMINI_CLI_HOME is HOME)
 *   opencode  ~/.config/opencode/skills/<name>/SKILL.md  (1.18: the global config folder's {skill,skills}/**; the
 *             ~/.claude and ~/.agents scans are off: OPENCODE_DISABLE_EXTERNAL_SKILLS)
 * Codex and Gemini CLI also load the source's own .agents/skills (and .gemini/skills) as their repository scope.
 */
export const SKILL_HOMES: Readonly<Record<string, string>> = {
  claude: '.claude/skills',
  codex: '.agents/skills',
  gemini: '.gemini/skills',
  opencode: '.config/opencode/skills',
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The folder of skill `name`, or why there is none. */
export function findSkill(name: string, projectDir: string): { dir: string } | { problem: string; hint: string } {
  const places = PROJECT_LAYOUTS.map((layout) => path.join(projectDir, layout, 'skills', name));
  if (!NAME.test(name)) return { problem: `skill '${name}' is not a folder name`, hint: 'letters, digits, ., _ and -' };
  const dir = places.find((p) => isFile(path.join(p, 'SKILL.md')));
  if (dir) return { dir };
  return {
    problem: `skill '${name}' not found (looked for ${places.map((p) => path.join(p, 'SKILL.md')).join(' and ')})`,
    hint: 'a skill is a folder with a SKILL.md in .wave/skills/ or .agents/skills/',
  };
}

/** The HOME files that give the pipeline's skills to CLI `cli`; a CLI Wave cannot give skills to is a WaveError. */
export function skillHomeFiles(skills: readonly string[], projectDir: string, cli: string): Record<string, string> {
  if (skills.length === 0) return {};
  const home = SKILL_HOMES[cli];
  if (home === undefined) {
    throw new WaveError('pipeline_invalid', `the pipeline's skills cannot be given to ${cli}`, {
      hint: `skills are given to ${Object.keys(SKILL_HOMES).join(', ')}: run its prompt steps on such an adapter`,
    });
  }
  const files: Record<string, string> = {};
  for (const name of skills) {
    const found = findSkill(name, projectDir);
    if ('problem' in found) throw new WaveError('pipeline_invalid', found.problem, { hint: found.hint });
    for (const [rel, text] of Object.entries(readSkill(name, found.dir))) files[`${home}/${name}/${rel}`] = text;
  }
  return files;
}

/** The files of a skill folder, relative path → text; a link, a non-text file or too much is a WaveError. */
export function readSkill(name: string, dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  let total = 0;
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const rel = path.relative(dir, full).split(path.sep).join('/');
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isInside(full, dir)) {
        const bytes = readFileSync(full);
        total += bytes.length;
        if (total > MAX_SKILL_BYTES) throw refused(name, `is larger than ${MAX_SKILL_BYTES} bytes`);
        const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
        try {
          files[rel] = text.decode(bytes);
        } catch {
          throw refused(name, `has a file that is not UTF-8 text: ${rel}`);
        }
      } else throw refused(name, `has ${rel}, which is not a plain file (links are not followed)`);
    }
  };
  walk(dir);
  return files;
}

function refused(name: string, why: string): WaveError {
  return new WaveError('pipeline_invalid', `skill '${name}' ${why}`, {
    hint: 'a skill folder holds text files (SKILL.md, scripts, references) only',
  });
}

function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}
