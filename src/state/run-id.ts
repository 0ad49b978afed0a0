// Run ids people can read, type and sort: `<pipeline>-<YYYYMMDD-HHMMSS>-<4 chars>`, e.g.
// `review-20250101-120000-k3x9`. Sorting the ids sorts the runs by start time (UTC); the suffix keeps two runs
// started in the same second apart.
import { customAlphabet } from 'nanoid';

const suffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 4);

export function newRunId(pipeline: string, now: Date = new Date()): string {
  return `${slug(pipeline)}-${timestamp(now)}-${suffix()}`;
}

// Pipeline names are already validated, but the id also becomes a directory and a file name, so anything
// outside [a-z0-9-] is folded to '-'.
function slug(pipeline: string): string {
  const cleaned = pipeline
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return cleaned.slice(0, 48) || 'run';
}

function timestamp(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`
  );
}
