// --extra-ca FILE / runtime.sandbox.extra_ca_certs: PEM bundles added to the base image's build context in
// memory, named by their content so the same file always hashes the same.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WaveError } from '../errors.js';
import type { VirtualFile } from './context.js';

export async function extraCaFiles(files: string[]): Promise<VirtualFile[]> {
  const out: VirtualFile[] = [];
  for (const file of files) {
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (err) {
      throw new WaveError('file_not_found', `--extra-ca ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (!content.includes('-----BEGIN CERTIFICATE-----')) {
      throw new WaveError('usage', `--extra-ca ${file}: not a PEM certificate bundle (no BEGIN CERTIFICATE line)`);
    }
    const id = createHash('sha256').update(content).digest('hex').slice(0, 16);
    const path = `ca/wave-extra-${id}.crt`;
    if (!out.some((f) => f.path === path)) out.push({ path, mode: 0o644, content });
  }
  return out;
}
