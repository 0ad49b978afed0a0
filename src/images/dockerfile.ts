// Which build arguments a Dockerfile declares: Wave passes only those, so a context that does not use the
// npm registry neither gets it (no "build-args were not consumed" warning) nor hashes it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export function declaredArgs(dockerfile: string): Set<string> {
  const names = new Set<string>();
  // Line continuations join instructions; ARG may declare several names, each with an optional default.
  for (const line of dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const m = /^\s*ARG\s+(.+)$/i.exec(line);
    if (!m?.[1]) continue;
    for (const part of m[1].trim().split(/\s+/)) {
      const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(part)?.[1];
      if (name) names.add(name);
    }
  }
  return names;
}

export async function readDeclaredArgs(contextDir: string): Promise<Set<string>> {
  return declaredArgs(await readFile(path.join(contextDir, 'Dockerfile'), 'utf8'));
}

export function onlyDeclared(args: Record<string, string>, declared: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).filter(([k]) => declared.has(k)));
}
