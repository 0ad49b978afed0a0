// What an agent_review reviewer is given to judge, in its own /wave/in (mounted read-only): a copy of the judged
// step's outputs, its change as a patch (a step that changes code), and the contract's `context` entries (another
// writing step's change, artifacts of earlier steps), each cut at its max_size (default 50 KB, the original's).
import fs from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { parseMemory } from '../config/units.js';
import type { AgentReviewSpec } from '../contracts/types.js';
import { ContractConfigError } from '../contracts/failure.js';
import { copyArtifact } from '../workspace/artifacts.js';
import type { Store } from '../state/index.js';

export const DEFAULT_CONTEXT_BYTES = 50 * 1024;

export interface MaterialSources {
  store: Store;
  /** The run whose artifacts `context` entries name (an iterate item's: its parent's). */
  artifactsRunId: string;
  stepId: string;
  /** The judged step's out folder. */
  outDir: string;
  /** The judged step's change (changes.patch), when it changes code. */
  changesDir?: string;
}

async function writeCut(source: string, target: string, max: number): Promise<void> {
  const handle = await fs.open(source, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    const { bytesRead } = await handle.read(buffer, 0, max + 1, 0);
    const cut = bytesRead > max;
    const body = buffer.subarray(0, Math.min(bytesRead, max));
    const note = cut ? Buffer.from(`\n[... truncated at ${max} bytes ...]\n`) : Buffer.alloc(0);
    await fs.writeFile(target, Buffer.concat([body, note]), { mode: 0o444 });
  } finally {
    await handle.close();
  }
}

function bytesOf(entry: { max_size?: number | string }): number {
  return entry.max_size === undefined ? DEFAULT_CONTEXT_BYTES : (parseMemory(entry.max_size) ?? DEFAULT_CONTEXT_BYTES);
}

/** `<step>.<artifact>` or `<artifact>`: the newest record of the run that matches. */
function findArtifact(sources: MaterialSources, name: string) {
  const records = sources.store.artifacts.list(sources.artifactsRunId);
  const [step, artifact] = name.includes('.') ? (name.split('.', 2) as [string, string]) : [undefined, name];
  return records.filter((r) => r.name === artifact && (step === undefined || r.stepId === step)).at(-1);
}

async function isFile(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => undefined))?.isFile() ?? false;
}

/** Fills `inDir`; returns the lines that tell the reviewer where everything is. */
export async function prepareReviewMaterial(
  spec: AgentReviewSpec,
  sources: MaterialSources,
  inDir: string,
): Promise<string[]> {
  const at = (rel: string) => path.posix.join(SANDBOX_PATHS.in, rel);
  await copyArtifact(sources.outDir, path.join(inDir, sources.stepId), { readOnly: true });
  const lines = [`- The outputs of step ${sources.stepId}: ${at(sources.stepId)}/ (source: ${SANDBOX_PATHS.src})`];
  const context = spec.context ?? [];
  const ownDiff = sources.changesDir && !context.some((c) => c.source === 'git_diff' && c.step === undefined);
  if (ownDiff && sources.changesDir) {
    await writeCut(
      path.join(sources.changesDir, 'changes.patch'),
      path.join(inDir, 'changes.patch'),
      DEFAULT_CONTEXT_BYTES,
    );
    lines.push(`- The change step ${sources.stepId} made to the code, as a patch: ${at('changes.patch')}`);
  }
  const contextDir = path.join(inDir, 'context');
  await fs.mkdir(contextDir, { recursive: true });
  for (const [i, entry] of context.entries()) {
    const max = bytesOf(entry);
    if (entry.source === 'git_diff') {
      const stepId = entry.step ?? sources.stepId;
      const dir = stepId === sources.stepId ? sources.changesDir : findArtifact(sources, `${stepId}.changes`)?.path;
      if (!dir) throw new ContractConfigError(`agent_review: context git_diff: step '${stepId}' recorded no change`);
      const name = `${i}-${stepId}.patch`;
      await writeCut(path.join(dir, 'changes.patch'), path.join(contextDir, name), max);
      lines.push(`- The change of step ${stepId}, as a patch: ${at(`context/${name}`)}`);
      continue;
    }
    const name = entry.artifact ?? '';
    const record = findArtifact(sources, name);
    if (!record)
      throw new ContractConfigError(`agent_review: context artifact '${name}' is not an artifact of this run`);
    const target = path.join(contextDir, `${i}-${path.basename(record.path)}`);
    if (await isFile(record.path)) await writeCut(record.path, target, max);
    else await copyArtifact(record.path, target, { readOnly: true });
    lines.push(`- Artifact ${name}: ${at(`context/${path.basename(target)}`)}`);
  }
  return lines;
}
