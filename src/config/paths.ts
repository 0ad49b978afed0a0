// Where things live: the package root (for the embedded defaults), and how project-relative paths in wave.yaml
// and pipelines are resolved.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WaveError } from '../errors.js';

let cachedRoot: string | undefined;

/**
 * The directory holding Wave's package.json. Found by walking up from this module, so it works from src/config
 * (tsx, tests) and from dist/config (compiled) alike.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(path.join(dir, 'defaults')) && isWavePackage(pkg)) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Wave's package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cachedVersion: string | undefined;

/** package.json's version: `wave --version`, and the first half of every image tag. */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const file = path.join(packageRoot(), 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  }
  return cachedVersion;
}

function isWavePackage(pkgFile: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: Record<string, string> };
    return typeof pkg.bin === 'object' && pkg.bin !== null && 'wave' in pkg.bin;
  } catch {
    return false;
  }
}

/** The embedded defaults that `wave init` copies: wave.yaml, personas/, pipelines/, contracts/. */
export function defaultsDir(): string {
  return path.join(packageRoot(), 'defaults');
}

/** The embedded manifest, which `wave run` may fall back to when a project has no wave.yaml. */
export function defaultManifestPath(): string {
  return path.join(defaultsDir(), 'wave.yaml');
}

export const MANIFEST_FILE = 'wave.yaml';
/** Project files live under `<project>/.wave/`; Wave's own files (state.db, detached logs) always do. */
export const PROJECT_DIR_NAME = '.wave';
/**
 * The project layouts, in precedence order: a pipeline name is looked up in `.wave/pipelines/`, then in the
 * original Wave's `.agents/pipelines/`, then in the embedded defaults; the first match wins.
 */
export const PROJECT_LAYOUTS = ['.wave', '.agents'] as const;
export type ProjectLayout = (typeof PROJECT_LAYOUTS)[number];

export interface ResolvedPath {
  /** Absolute path; when nothing exists, the project location (the one to mention in messages). */
  path: string;
  exists: boolean;
  /** True when the file came from the embedded defaults rather than the project. */
  fromDefaults: boolean;
  /**
   * Set when the path is refused (then `exists` is false and nothing may read `path`): why, in words that follow
   * the quoted path, e.g. "is an absolute path".
   */
  refused?: string;
}

/** What to do about a refused path; one text for every path key. */
export const CONTAINED_PATH_HINT =
  "paths are relative to the folder holding wave.yaml and stay inside it (`.wave/…` may fall back to Wave's embedded defaults); copy or add the file to the project, e.g. as a git submodule under .wave/shared/";

/**
 * Resolves a path written in wave.yaml or a pipeline.
 *
 * The rule: relative paths resolve against the project directory (the folder holding wave.yaml). A path under
 * `.wave/` (or `.agents/`) that does not exist in the project falls back to the same path under the embedded
 * `defaults/` (`.wave/contracts/x.schema.json` → `defaults/contracts/x.schema.json`). That is what lets a default pipeline
 * run straight from the package, and the package's own defaults/wave.yaml validate, while a project created by
 * `wave init` (which copies defaults/ into .wave/) uses - and may edit - its own copies.
 *
 * A path must stay inside the project or the embedded defaults, also after following symbolic links: an absolute
 * path, a `..` that leaves the project or a link that leads out is refused, so a pipeline cannot make Wave read
 * (and print, or send to a model) a file of the host such as /etc/shadow.
 */
export function resolveProjectPath(rel: string, projectDir: string): ResolvedPath {
  const inProject = path.resolve(projectDir, rel);
  const lexical = lexicalEscape(rel);
  if (lexical) return { path: inProject, exists: false, fromDefaults: false, refused: lexical };
  if (existsSync(inProject)) {
    const refused = linkEscape(inProject, projectDir);
    return refused
      ? { path: inProject, exists: false, fromDefaults: false, refused }
      : { path: inProject, exists: true, fromDefaults: false };
  }
  const normalised = path.normalize(rel).split(path.sep).join('/');
  const layout = PROJECT_LAYOUTS.find((dir) => normalised.startsWith(`${dir}/`));
  if (layout !== undefined) {
    const fallback = path.join(defaultsDir(), normalised.slice(layout.length + 1));
    if (existsSync(fallback) && !linkEscape(fallback, projectDir))
      return { path: fallback, exists: true, fromDefaults: true };
  }
  // Nothing there yet; a link on the way (a folder of the project pointing elsewhere) still must not lead out.
  const refused = linkEscape(inProject, projectDir);
  return { path: inProject, exists: false, fromDefaults: false, ...(refused ? { refused } : {}) };
}

/**
 * Why a project path Wave writes to or reads from (workspace_root, log_dir, extra_ca_certs) is refused, or
 * undefined when it stays inside the project. The same rule as resolveProjectPath, without the defaults fallback.
 */
export function projectPathEscape(rel: string, projectDir: string): string | undefined {
  return lexicalEscape(rel) ?? linkEscape(path.resolve(projectDir, rel), projectDir);
}

/** The file a project path names, for code that reads it; a refused path throws (validation reports it first). */
export function projectFile(rel: string, projectDir: string): string {
  const resolved = resolveProjectPath(rel, projectDir);
  if (resolved.refused) {
    throw new WaveError('pipeline_invalid', `'${rel}' ${resolved.refused}`, { hint: CONTAINED_PATH_HINT });
  }
  return resolved.path;
}

function lexicalEscape(rel: string): string | undefined {
  if (rel.includes('\0')) return 'contains a NUL character';
  if (path.isAbsolute(rel) || path.posix.isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel)) return 'is an absolute path';
  const normalised = path.posix.normalize(rel.split(path.sep).join('/'));
  if (normalised === '..' || normalised.startsWith('../')) return "leaves the project ('..')";
  return undefined;
}

/** Follows links in the deepest existing part of `file`; refused when that leads out of the allowed roots. */
export function linkEscape(file: string, projectDir: string): string | undefined {
  const real = realpathOfExisting(file);
  if (real === undefined) return undefined;
  const roots = [
    realpathOfExisting(projectDir) ?? path.resolve(projectDir),
    realpathOfExisting(defaultsDir()) ?? defaultsDir(),
  ];
  return roots.some((root) => isInside(real, root))
    ? undefined
    : `leads outside the project through a symbolic link (to ${real})`;
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest. */
function realpathOfExisting(p: string): string | undefined {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return undefined;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** Is `child` the folder `root` or inside it (both absolute and real)? */
export function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** A path safe to join below a folder: relative, no `..` segments, not empty. */
export function isContainedRelativePath(p: string): boolean {
  if (p === '' || path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p) || p.includes('\0')) return false;
  return !p.split(/[\\/]+/).some((seg) => seg === '..');
}
