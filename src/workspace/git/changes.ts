// The change a writing step made, from its base to the tree it left: a binary-safe patch (`git apply` and
// `git am`-style tools take it as it is) and a summary a program can read. Computed between two trees of Wave's
// own repository, with no external diff or text conversion.
import { git } from './safe-git.js';
import type { WaveGit } from './store.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'type_changed';

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  /** git's modes: 100644, 100755 (executable), 120000 (symbolic link), 160000 (submodule); null when absent. */
  old_mode: string | null;
  new_mode: string | null;
  /** Lines added and removed; null for a binary file. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
  /** The link's target after the change, for a symbolic link. */
  symlink_target?: string;
}

export interface ChangeSummary {
  /** The run's tree it belongs to (`branch:<name>`, `step:<id>`), or `mount:<step>` for readwrite mounts. */
  tree?: string;
  base: string;
  commit: string;
  files: ChangedFile[];
  totals: { files: number; additions: number; deletions: number };
  /** Paths the step wrote that are not part of the change, with why (git metadata, nested repositories). */
  skipped: string[];
}

export interface Changes {
  patch: Buffer;
  summary: ChangeSummary;
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type_changed' };
const DIFF_FLAGS = ['--no-renames', '--no-ext-diff', '--no-textconv', '--no-color', '-r'];

export async function computeChanges(
  store: WaveGit,
  base: string,
  commit: string,
  skipped: string[] = [],
): Promise<Changes> {
  const at = { gitDir: store.gitDir };
  const patchArgs = ['diff-tree', '-p', '--binary', '--full-index', '--src-prefix=a/', '--dst-prefix=b/'];
  const patch = (await git([...patchArgs, ...DIFF_FLAGS, base, commit], at)).stdout;
  const raw = (await git(['diff-tree', '-z', '--raw', ...DIFF_FLAGS, base, commit], at)).stdout.toString('utf8');
  const numstat = (await git(['diff-tree', '-z', '--numstat', ...DIFF_FLAGS, base, commit], at)).stdout;

  const counts = new Map<string, { additions: number | null; deletions: number | null }>();
  const stats = numstat.toString('utf8').split('\0');
  for (const item of stats) {
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(item.replace(/^\n/, ''));
    if (!match) continue;
    const num = (s: string | undefined) => (s === '-' || s === undefined ? null : Number(s));
    counts.set(match[3] ?? '', { additions: num(match[1]), deletions: num(match[2]) });
  }

  const files: ChangedFile[] = [];
  const parts = raw.split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = (parts[i] ?? '').replace(/^\n/, '');
    const file = parts[i + 1] ?? '';
    if (!meta.startsWith(':')) continue;
    const [oldMode = '', newMode = '', , newSha = '', letter = ''] = meta.slice(1).split(' ');
    const count = counts.get(file) ?? { additions: null, deletions: null };
    const changed: ChangedFile = {
      path: file,
      status: STATUS[letter] ?? 'modified',
      old_mode: /^0+$/.test(oldMode) ? null : oldMode,
      new_mode: /^0+$/.test(newMode) ? null : newMode,
      additions: count.additions,
      deletions: count.deletions,
      binary: count.additions === null,
    };
    if (newMode === '120000') {
      const target = await git(['cat-file', 'blob', newSha], at);
      changed.symlink_target = target.stdout.toString('utf8');
    }
    files.push(changed);
  }
  const totals = {
    files: files.length,
    additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
    deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
  };
  return { patch, summary: { base, commit, files, totals, skipped } };
}
