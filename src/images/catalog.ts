// The images Wave ships: base, and one per agent CLI built FROM it. The CLI versions are pinned in each
// Dockerfile (so a version bump changes the context hash and triggers a rebuild).
import path from 'node:path';
import { imagesDir, packageVersion } from './paths.js';
import type { ImageSpec } from './types.js';

export const DEFAULT_NAMESPACE = 'wave';
export const BASE = 'base';
export const ADAPTER_IMAGES = ['claude', 'codex', 'gemini', 'opencode'] as const;
export type AdapterImage = (typeof ADAPTER_IMAGES)[number];

const versionArgv: Record<AdapterImage, string[]> = {
  claude: ['claude', '--version'],
  codex: ['codex', '--version'],
  gemini: ['gemini', '--version'],
  opencode: ['opencode', '--version'],
};

export function defaultCatalog(root: string = imagesDir): ImageSpec[] {
  return [
    { name: BASE, dir: path.join(root, BASE), parent: { kind: 'os' } },
    ...ADAPTER_IMAGES.map((name): ImageSpec => ({
      name,
      dir: path.join(root, name),
      parent: { kind: 'wave', name: BASE },
      versionArgv: versionArgv[name],
    })),
  ];
}

/** The moving reference an adapter uses by default: `wave/<name>:latest`. */
export function imageRefFor(name: string, namespace: string = DEFAULT_NAMESPACE): string {
  return `${namespace}/${name}:latest`;
}

/** The immutable tag of one build: `<namespace>/<name>:<package version>-<first 12 hex of the context hash>`. */
export function hashTagFor(
  name: string,
  hash: string,
  namespace: string = DEFAULT_NAMESPACE,
  version = packageVersion(),
): string {
  return `${namespace}/${name}:${version}-${hash.slice(0, 12)}`;
}

/** Tags written by hashTagFor end in `-<12 hex>`; prune only ever touches those. */
export function isHashTag(tag: string): boolean {
  return /-[0-9a-f]{12}$/.test(tag);
}

/** Splits `repo/name:tag` (a registry host with a port keeps its colon). A missing tag means `latest`. */
export function splitRef(ref: string): { repository: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: 'latest' };
}

/** `wave/claude:latest` → `claude` when the namespace matches; otherwise undefined. */
export function catalogNameOf(ref: string, namespace: string = DEFAULT_NAMESPACE): string | undefined {
  const { repository } = splitRef(ref);
  const prefix = `${namespace}/`;
  if (!repository.startsWith(prefix)) return undefined;
  const name = repository.slice(prefix.length);
  return name.includes('/') ? undefined : name;
}
