// Finding and reading the checked file inside the step's out folder. The path comes from a pipeline (and the
// file from a model), so: relative only, no `..`, no symbolic link anywhere on the way (lstat of every segment,
// then O_NOFOLLOW on open), a regular file, and a size cap. Nothing outside outDir is ever read or written.
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { CheckFailed, ContractConfigError } from './failure.js';
import type { ContractContext, ContractInput, DeclaredOutput } from './types.js';

/** Files above this are not loaded into memory for checking (the collector caps outputs well below it). */
export const MAX_CHECKED_BYTES = 32 * 1024 * 1024;

export interface SourceFile {
  /** As written in the pipeline, relative to the out folder. */
  rel: string;
  abs: string;
  size: number;
}

/** Why a relative path is unsafe, or undefined when it is fine. */
export function unsafeRelativePath(p: string): string | undefined {
  if (p.trim() === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) return 'is absolute; give a path relative to the out folder';
  if (p.split(/[\\/]+/).some((seg) => seg === '..'))
    return "contains '..'; only files inside the out folder are checked";
  return undefined;
}

/** The source of a file contract: its own `source`, else the first declared output. */
export function sourceOf(spec: ContractInput, outputs: readonly DeclaredOutput[]): string {
  const rel = typeof spec.source === 'string' ? spec.source : outputs[0]?.path;
  if (rel === undefined) {
    throw new ContractConfigError(`${spec.type}: no source and no declared output to check`);
  }
  return rel;
}

/** Where the file is in the container, for messages the model reads. */
export function containerPath(rel: string): string {
  return path.posix.join(
    SANDBOX_PATHS.out,
    rel
      .split(/[\\/]+/)
      .filter((s) => s !== '' && s !== '.')
      .join('/'),
  );
}

/**
 * Resolves the source below ctx.outDir without following links. Throws CheckFailed when it is unsafe, missing, a
 * link or not a regular file (all of which a model can cause, so they fail the contract rather than the run).
 */
export async function locateSource(spec: ContractInput, ctx: ContractContext): Promise<SourceFile> {
  const rel = sourceOf(spec, ctx.outputs);
  const unsafe = unsafeRelativePath(rel);
  if (unsafe) throw new CheckFailed({ path: rel, message: `source path ${unsafe}` });
  const segments = rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.length === 0)
    throw new CheckFailed({ path: rel, message: 'source path names the out folder itself, not a file' });
  let current = path.resolve(ctx.outDir);
  for (const [i, segment] of segments.entries()) {
    current = path.join(current, segment);
    const st = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    const shown = segments.slice(0, i + 1).join('/');
    if (!st)
      throw new CheckFailed(
        { path: rel, message: `missing: ${containerPath(rel)} was not written` },
        { missing: true },
      );
    if (st.isSymbolicLink())
      throw new CheckFailed({ path: rel, message: `${shown} is a symbolic link; links are not followed` });
    const last = i === segments.length - 1;
    if (!last && !st.isDirectory()) throw new CheckFailed({ path: rel, message: `${shown} is not a directory` });
    if (last && !st.isFile()) {
      throw new CheckFailed({
        path: rel,
        message: `${containerPath(rel)} is not a regular file${st.isDirectory() ? ' (a directory)' : ''}`,
      });
    }
    if (last) return { rel, abs: current, size: st.size };
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** Reads a located source (O_NOFOLLOW: a link swapped in after the lstat is refused, not followed). */
export async function readSource(src: SourceFile, maxBytes = MAX_CHECKED_BYTES): Promise<Buffer> {
  const handle = await open(src.abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP')
      throw new CheckFailed({ path: src.rel, message: 'is a symbolic link; links are not followed' });
    throw err;
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new CheckFailed({ path: src.rel, message: 'is not a regular file' });
    if (st.size > maxBytes) {
      throw new CheckFailed({
        path: src.rel,
        message: `is ${st.size} bytes; files above ${maxBytes} bytes are not checked`,
      });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Replaces the content of a located source (json_schema recovery), again without following links. */
export async function rewriteSource(src: SourceFile, content: string): Promise<void> {
  const handle = await open(src.abs, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}

/** Decodes UTF-8 strictly: a model writing Latin-1 or binary garbage fails with the byte offset. */
export function decodeUtf8(bytes: Buffer, rel: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    throw new CheckFailed({
      path: rel,
      message: `is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)})`,
    });
  }
}

/** Offset of the first byte that starts an invalid (or truncated) UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    const second = b[i + 1] as number;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid even when well-formed.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) if (((b[i + k] as number) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return b.length;
}
