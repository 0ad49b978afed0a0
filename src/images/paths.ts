// Where the image contexts and the version live, both from a source checkout (src/images) and from the
// built package (dist/images): two levels up is the package root either way.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const imagesDir = path.join(packageRoot, 'images');

let cachedVersion: string | undefined;

/** package.json's version: the first half of every image tag. */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: unknown };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  }
  return cachedVersion;
}
