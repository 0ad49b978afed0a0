// Reads the egress part of sandbox-profiles/<adapter>.yaml: the provider host(s) the adapter's CLI needs and the
// model gateways it uses. A missing file means "nothing extra" (an adapter without a profile gets no hosts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isProviderId } from './providers.js';
import type { AdapterEgressProfile } from './sources.js';

/** sandbox-profiles/ sits three levels above this file both in src/ (tsx) and in dist/ (compiled). */
export const PROFILES_DIR = fileURLToPath(new URL('../../../sandbox-profiles/', import.meta.url));

/** Validates a parsed profile document's `egress` section. Throws with the field at fault. */
export function parseAdapterEgressProfile(doc: unknown, what = 'profile'): AdapterEgressProfile {
  const root = (doc ?? {}) as Record<string, unknown>;
  if (typeof root !== 'object' || Array.isArray(root)) throw new Error(`${what}: expected a mapping`);
  const egress = (root.egress ?? {}) as Record<string, unknown>;
  if (typeof egress !== 'object' || Array.isArray(egress)) throw new Error(`${what}: egress must be a mapping`);
  const domains = egress.allowed_domains ?? [];
  const gateway = egress.gateway ?? [];
  if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string'))
    throw new Error(`${what}: egress.allowed_domains must be a list of strings`);
  if (!Array.isArray(gateway) || !gateway.every((g) => typeof g === 'string' && isProviderId(g))) {
    throw new Error(`${what}: egress.gateway must list providers among anthropic, openai, gemini`);
  }
  return { allowedDomains: domains, providers: gateway };
}

export async function readAdapterEgressProfile(
  adapter: string,
  dir: string = PROFILES_DIR,
): Promise<AdapterEgressProfile> {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(adapter) || adapter === 'default') return { allowedDomains: [], providers: [] };
  const path = join(dir, `${adapter}.yaml`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { allowedDomains: [], providers: [] };
    throw err;
  }
  return parseAdapterEgressProfile(parse(text), path);
}
