// Which tasks a batch runs: the dataset read in its format (a .jsonl file or a folder of Harbor tasks), then
// --filter (comma-separated globs on the task id), --offset and --limit, in the dataset's order.
import { statSync } from 'node:fs';
import picomatch from 'picomatch';
import { WaveError } from '../errors.js';
import { readHarborDataset } from './harbor.js';
import { readJsonlDataset } from './jsonl.js';
import type { BenchTask, Dataset } from './types.js';

export interface Selection {
  filter?: string;
  offset?: number;
  limit?: number;
}

export async function readDataset(file: string): Promise<Dataset> {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    throw new WaveError('file_not_found', `--dataset ${file}: no such file or folder`, {
      hint: 'a SWE-bench-like .jsonl file, or a folder of Harbor tasks (task.toml, instruction.md, …)',
    });
  }
  return isDir ? readHarborDataset(file) : readJsonlDataset(file);
}

export function selectTasks(tasks: readonly BenchTask[], selection: Selection): BenchTask[] {
  const patterns =
    selection.filter
      ?.split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '') ?? [];
  const matches = patterns.length ? picomatch(patterns) : () => true;
  const chosen = tasks.filter((t) => matches(t.id));
  const start = selection.offset ?? 0;
  return chosen.slice(start, selection.limit === undefined ? undefined : start + selection.limit);
}
