// Name resolution happens on the host, never in the container. The override table (`runtime.sandbox.hosts`, like
// --add-host) is consulted first, so tests and local model servers need no DNS; otherwise the system resolver.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { EgressPolicy } from './policy.js';

/** Returns every address of a name; rejects when it cannot be resolved. Injectable for tests. */
export type LookupFn = (name: string) => Promise<string[]>;

export const systemLookup: LookupFn = async (name) => {
  const results = await dnsLookup(name, { all: true, verbatim: true });
  return results.map((r) => r.address);
};

export async function resolveName(
  policy: EgressPolicy,
  name: string,
  lookup: LookupFn,
  timeoutMs = 5000,
): Promise<string[]> {
  const override = policy.hosts.get(name);
  if (override !== undefined) return [override];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`lookup timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([lookup(name), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
