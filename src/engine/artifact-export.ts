// `wave artifacts --export`: copies a run's artifacts to DIR/<step>/<path>, verifying each one's sha256 on the way
// (a workspace changed after the run shows up).
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { artifactDigest, copyArtifact } from '../workspace/artifacts.js';

export interface ExportedArtifact {
  step: string;
  name: string;
  /** Relative to the step's out/ folder. */
  path: string;
  sha256: string;
  /** Where the run collected it. */
  file: string;
}

export async function exportArtifacts(artifacts: readonly ExportedArtifact[], dir: string): Promise<void> {
  for (const row of artifacts) {
    const target = path.join(dir, row.step, row.path);
    if ((await artifactDigest(row.file)) === undefined) {
      throw new WaveError('file_not_found', `artifact ${row.step}/${row.name}: ${row.file} is gone`, {
        hint: 'was the workspace cleaned (wave clean)?',
      });
    }
    // The copy is what is checked: a change between a check of the source and the copy cannot slip through.
    await copyArtifact(row.file, target);
    if ((await artifactDigest(target))?.sha256 !== row.sha256) {
      await fs.rm(target, { recursive: true, force: true });
      throw new WaveError(
        'artifact_rejected',
        `artifact ${row.step}/${row.name} changed since the run collected it (${row.file})`,
      );
    }
  }
}
