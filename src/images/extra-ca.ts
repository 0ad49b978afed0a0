// --extra-ca FILE / runtime.sandbox.extra_ca_certs: PEM bundles added to the base image's build context in
// memory. Each certificate becomes its own file (update-ca-certificates hashes one certificate per file for
// OpenSSL's lookup directory), named by its content so the same certificate always hashes the same.
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
    for (const pem of splitPem(content.toString('utf8'))) {
      const id = createHash('sha256').update(pem).digest('hex').slice(0, 16);
      const path = `ca/wave-extra-${id}.crt`;
      if (!out.some((f) => f.path === path)) out.push({ path, mode: 0o644, content: Buffer.from(pem) });
    }
  }
  return out;
}

/** The certificates of a PEM bundle, each normalised to its BEGIN…END block and a final newline. */
export function splitPem(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => `${b}\n`);
}
