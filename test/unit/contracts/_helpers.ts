// Shared set-up for the contract unit tests: a throwaway out folder filled with given files (or fixture copies),
// and a context whose resolvePath resolves project paths against the fixture folder, with the `.wave/` fallback
// to the package's defaults/ that wave.yaml paths get in real runs.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveProjectPath } from '../../../src/config/paths.js';
import type { ContractContext, DeclaredOutput } from '../../../src/contracts/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/contracts/', import.meta.url));

export const resolvePath = (p: string): string => resolveProjectPath(p, FIXTURES).path;

export function fixture(rel: string): Promise<string> {
  return readFile(path.join(FIXTURES, rel), 'utf8');
}

const dirs: string[] = [];

/** A fresh out folder with `files` (relative path → content) written into it. */
export async function outFolder(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wave-contracts-'));
  dirs.push(dir);
  const out = path.join(dir, 'out');
  await mkdir(out);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(out, rel)), { recursive: true });
    await writeFile(path.join(out, rel), content);
  }
  return out;
}

export function context(
  outDir: string,
  outputs: DeclaredOutput[] = [],
  extra: Partial<ContractContext> = {},
): ContractContext {
  return { outDir, outputs, resolvePath, ...extra };
}

export async function removeOutFolders(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
