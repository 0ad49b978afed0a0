// `wave init`: copies the embedded defaults into a project - wave.yaml at the top, personas, pipelines and
// contracts under .wave/ (or, with the agents layout, under the original Wave's .agents/) - without ever
// overwriting a file unless forced.

import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { MANIFEST_FILE, PROJECT_DIR_NAME, type ProjectLayout, defaultsDir } from './paths.js';
import { schemaFile, type SchemaKind } from './schema-check.js';

export interface InitOptions {
  dir: string;
  force?: boolean;
  /** Where personas, pipelines and contracts go: `.wave` (default) or `.agents`; the files' paths follow. */
  layout?: ProjectLayout;
}

export interface InitResult {
  /** Absolute paths of the files written. */
  written: string[];
}

/** The folders of defaults/ that a project gets a copy of, and the file names taken from each. */
const COPIED_FOLDERS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'personas', pattern: /\.md$/ },
  { name: 'pipelines', pattern: /\.ya?ml$/ },
  { name: 'contracts', pattern: /\.json$/ },
];

/** Run output stays out of version control; the configuration is meant to be committed. */
const PROJECT_GITIGNORE = 'workspaces/\ntraces/\nstate.db\nstate.db-*\n';

export async function initProject(opts: InitOptions): Promise<InitResult> {
  const dir = path.resolve(opts.dir);
  const plan = await planFiles(dir, opts.layout ?? PROJECT_DIR_NAME);

  const existing = plan.filter((f) => existsSync(f.target)).map((f) => f.target);
  if (existing.length > 0 && !opts.force) {
    throw new WaveError(
      'file_exists',
      `${existing.length === 1 ? 'a file' : `${existing.length} files`} would be overwritten in ${dir}`,
      { details: existing, hint: 'keep your changes, or pass --force to replace them with the defaults' },
    );
  }

  const written: string[] = [];
  for (const f of plan) {
    await mkdir(path.dirname(f.target), { recursive: true });
    await writeFile(f.target, f.content(), 'utf8');
    written.push(f.target);
  }
  return { written };
}

interface PlannedFile {
  target: string;
  content: () => string;
}

async function planFiles(dir: string, layout: ProjectLayout): Promise<PlannedFile[]> {
  const defaults = defaultsDir();
  const projectWave = path.join(dir, layout);
  const manifestTarget = path.join(dir, MANIFEST_FILE);
  // The defaults name their files under .wave/; in the agents layout every such path moves with the files.
  const relayout = (text: string): string =>
    layout === PROJECT_DIR_NAME ? text : text.replaceAll('.wave/', `${layout}/`);
  const manifestText = relayout(await readFile(path.join(defaults, 'wave.yaml'), 'utf8'));
  const files: PlannedFile[] = [
    { target: manifestTarget, content: () => pointSchemaComment(manifestText, manifestTarget, 'manifest') },
  ];
  for (const folder of COPIED_FOLDERS) {
    const from = path.join(defaults, folder.name);
    const names = (await readdir(from)).filter((n) => folder.pattern.test(n)).sort();
    for (const name of names) {
      const text = relayout(await readFile(path.join(from, name), 'utf8'));
      const target = path.join(projectWave, folder.name, name);
      files.push({
        target,
        content: () => (folder.name === 'pipelines' ? pointSchemaComment(text, target, 'pipeline') : text),
      });
    }
  }
  files.push({ target: path.join(projectWave, '.gitignore'), content: () => PROJECT_GITIGNORE });
  return files;
}

const SCHEMA_COMMENT = /^# yaml-language-server: \$schema=.*$/m;

/**
 * The defaults carry a `# yaml-language-server: $schema=…` line that points at the schema inside the package;
 * in a project it must point at the installed package instead, relative to the file so the project can move.
 */
export function pointSchemaComment(text: string, targetFile: string, kind: SchemaKind): string {
  if (!SCHEMA_COMMENT.test(text)) return text;
  const rel = path.relative(path.dirname(targetFile), schemaFile(kind)).split(path.sep).join('/');
  return text.replace(SCHEMA_COMMENT, `# yaml-language-server: $schema=${rel}`);
}
