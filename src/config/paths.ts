// Where things live: the package root (for the embedded defaults), and how project-relative paths in wave.yaml
// and pipelines are resolved.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
/** Project files live under `<project>/.wave/`. */
export const PROJECT_DIR_NAME = '.wave';

export interface ResolvedPath {
  /** Absolute path; when nothing exists, the project location (the one to mention in messages). */
  path: string;
  exists: boolean;
  /** True when the file came from the embedded defaults rather than the project. */
  fromDefaults: boolean;
}

/**
 * Resolves a path written in wave.yaml or a pipeline.
 *
 * The rule: relative paths resolve against the project directory (the folder holding wave.yaml). A path under
 * `.wave/` that does not exist in the project falls back to the same path under the embedded `defaults/`
 * (`.wave/contracts/x.schema.json` → `defaults/contracts/x.schema.json`). That is what lets a default pipeline
 * run straight from the package, and the package's own defaults/wave.yaml validate, while a project created by
 * `wave init` (which copies defaults/ into .wave/) uses - and may edit - its own copies.
 */
export function resolveProjectPath(rel: string, projectDir: string): ResolvedPath {
  const inProject = path.resolve(projectDir, rel);
  if (existsSync(inProject)) return { path: inProject, exists: true, fromDefaults: false };
  const normalised = path.normalize(rel).split(path.sep).join('/');
  if (!path.isAbsolute(rel) && normalised.startsWith(`${PROJECT_DIR_NAME}/`)) {
    const fallback = path.join(defaultsDir(), normalised.slice(PROJECT_DIR_NAME.length + 1));
    if (existsSync(fallback)) return { path: fallback, exists: true, fromDefaults: true };
  }
  return { path: inProject, exists: false, fromDefaults: false };
}

/** A path safe to join below a folder: relative, no `..` segments, not empty. */
export function isContainedRelativePath(p: string): boolean {
  if (p === '' || path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p) || p.includes('\0')) return false;
  return !p.split(/[\\/]+/).some((seg) => seg === '..');
}
