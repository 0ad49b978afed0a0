// A run's git trees in Wave's own repository, under refs/wave/<run>/: `head` (the commit the run started from),
// `base/<tree>` (where each worktree starts), `snapshot` (the run's source snapshot, uncommitted files included,
// on top of head) and `steps/<step>` (the tree each writing step left, on top of the one it started from).
// Refs make a resumed run find them again; nothing here reads git metadata a step wrote.
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../../errors.js';
import { captureDir, entriesBelow, listTree, replaceBelow, writeTree, type TreeEntry } from './capture.js';
import { computeChanges, type Changes } from './changes.js';
import { CommitFiles } from './commit-files.js';
import { writeFileBlob } from './objects.js';
import { gitText } from './safe-git.js';
import {
  commitTree,
  findUserRepository,
  importCommit,
  notARepository,
  openWaveGit,
  readRef,
  resolveUserCommit,
  treeOf,
  updateRef,
  type UserRepository,
  type WaveGit,
} from './store.js';

/** A folder of a step that Wave turns into part of its change: the whole tree, or a readwrite mount's copy. */
export interface WrittenPart {
  /** Where it sits in the repository ('' for the whole tree). */
  prefix: string;
  /** The step's copy on the host (a folder, or a single file). */
  host: string;
}

/** Never part of the run's snapshot (see snapshot.ts): the base's files there are kept as they are. */
const NOT_SNAPSHOTTED = new Set(['.wave', '.git', 'node_modules']);

export class RunTrees {
  private snapshotting: Promise<string> | undefined;
  /** The files of the run's commits, for the contracts on changes. */
  readonly files: CommitFiles;

  private constructor(
    readonly store: WaveGit,
    readonly repo: UserRepository | undefined,
    readonly runId: string,
    /** The project folder relative to the repository's top ('' when it is the top). */
    readonly projectPrefix: string,
    private readonly snapshotDir: string,
  ) {
    this.files = new CommitFiles(store);
  }

  static async open(projectDir: string, runId: string, snapshotDir: string): Promise<RunTrees> {
    const store = await openWaveGit(projectDir);
    const repo = await findUserRepository(projectDir);
    const top = repo ? await fs.realpath(repo.topLevel) : undefined;
    const prefix = top
      ? path
          .relative(top, await fs.realpath(projectDir))
          .split(path.sep)
          .join('/')
      : '';
    return new RunTrees(store, repo, runId, prefix, snapshotDir);
  }

  ref(...parts: string[]): string {
    return ['refs/wave', this.runId, ...parts].join('/');
  }

  /** The commit the run started from (HEAD then), fetched once; undefined outside a repository or before a commit. */
  async head(): Promise<string | undefined> {
    const known = await readRef(this.store, this.ref('head'));
    if (known || !this.repo) return known;
    const commit = await resolveUserCommit(this.repo, 'HEAD');
    if (!commit) return undefined;
    await importCommit(this.store, this.repo, commit, this.ref('head'));
    return commit;
  }

  /** Where a worktree starts: `base` (resolved once per run) or head, and the snapshot on top when asked. */
  async treeBase(key: string, settings: { base?: string; includeUncommitted: boolean }, what: string): Promise<string> {
    const ref = this.ref('base', Buffer.from(key).toString('hex'));
    const known = await readRef(this.store, ref);
    if (known) return known;
    if (!this.repo) throw notARepository(path.dirname(this.snapshotDir), what);
    let commit: string | undefined;
    if (settings.includeUncommitted) commit = await this.snapshotCommit();
    else if (settings.base !== undefined) {
      commit = await resolveUserCommit(this.repo, settings.base);
      if (!commit) {
        throw new WaveError(
          'pipeline_invalid',
          `${what}: base '${settings.base}' is not a commit of ${this.repo.topLevel}`,
          {
            hint: 'name a branch, tag or commit id of the repository (git rev-parse --verify <base>)',
          },
        );
      }
      await importCommit(this.store, this.repo, commit, ref);
    } else commit = await this.head();
    if (!commit) {
      throw new WaveError('usage', `${what}: the repository ${this.repo.topLevel} has no commit yet`, {
        hint: 'commit once, or set workspace.include_uncommitted: true',
      });
    }
    await updateRef(this.store, ref, commit);
    return commit;
  }

  /** The run's source snapshot as a commit on top of head (or a root commit outside a repository). */
  snapshotCommit(): Promise<string> {
    this.snapshotting ??= this.makeSnapshotCommit();
    return this.snapshotting;
  }

  private async makeSnapshotCommit(): Promise<string> {
    const ref = this.ref('snapshot');
    const known = await readRef(this.store, ref);
    if (known) return known;
    const head = await this.head();
    const base = head ? await listTree(this.store, head) : [];
    const inProject = entriesBelow(base, this.projectPrefix);
    // Files the snapshot never copies stay as committed; the rest is what the snapshot holds.
    const kept = inProject.filter((e) => NOT_SNAPSHOTTED.has(e.path.split('/')[0] ?? ''));
    const captured = await captureDir(this.store, this.snapshotDir, inProject);
    const entries = replaceBelow(base, this.projectPrefix, [...kept, ...captured.entries]);
    const tree = await writeTree(this.store, entries);
    const message = `wave ${this.runId}: the files as the run found them (uncommitted ones included)\n`;
    // Nothing uncommitted: the snapshot is head itself (no empty commit in what `wave apply` publishes).
    const commit =
      head && (await treeOf(this.store, head)) === tree
        ? head
        : await commitTree(this.store, tree, head ? [head] : [], message);
    await updateRef(this.store, ref, commit);
    return commit;
  }

  /** --from-step: the earlier run's trees become this run's, so the steps after the reused ones continue them. */
  async adopt(fromRunId: string): Promise<void> {
    const prefix = `refs/wave/${fromRunId}/`;
    const listed = await gitText(['for-each-ref', '--format=%(refname) %(objectname)', prefix], {
      gitDir: this.store.gitDir,
    });
    for (const line of listed.split('\n').filter(Boolean)) {
      const [ref = '', commit = ''] = line.split(' ');
      await updateRef(this.store, this.ref(ref.slice(prefix.length)), commit);
    }
  }

  /**
   * The commit `rev` names in the user's repository (a branch, tag or id; `HEAD`, `HEAD~1`, `HEAD^` count from the
   * commit the run started from, whatever was checked out since), copied into Wave's repository once per run.
   * Undefined when it names no commit, or outside a repository.
   */
  async userCommit(rev: string): Promise<string | undefined> {
    const ref = this.ref('at', Buffer.from(rev).toString('hex'));
    const known = await readRef(this.store, ref);
    if (known || !this.repo) return known;
    const head = /^HEAD(?=$|[~^])/.test(rev) ? await this.head() : undefined;
    const commit = await resolveUserCommit(this.repo, head ? head + rev.slice('HEAD'.length) : rev);
    if (commit) await importCommit(this.store, this.repo, commit, ref);
    return commit;
  }

  async stepCommit(stepId: string): Promise<string | undefined> {
    return readRef(this.store, this.ref('steps', stepId));
  }

  /** Hashes what the step left in its parts on top of `start`; the commit is kept only by `keep`. */
  async capture(stepId: string, start: string, parts: readonly WrittenPart[]): Promise<Captured> {
    let entries = await listTree(this.store, start);
    const skipped: string[] = [];
    for (const part of parts) {
      const stat = await fs.lstat(part.host);
      if (stat.isDirectory()) {
        const got = await captureDir(this.store, part.host, entriesBelow(entries, part.prefix));
        entries = replaceBelow(entries, part.prefix, got.entries);
        skipped.push(...got.skipped.map((s) => (part.prefix ? `${part.prefix}/${s}` : s)));
      } else {
        entries = replaceBelow(
          entries,
          part.prefix,
          await fileEntry(this.store, part.host, stat, entries, part.prefix),
        );
      }
    }
    const tree = await writeTree(this.store, entries);
    // A step that changed nothing adds no (empty) commit to what `wave apply` publishes.
    const same = (await treeOf(this.store, start)) === tree;
    const commit = same ? start : await commitTree(this.store, tree, [start], `wave ${this.runId}: step ${stepId}\n`);
    return { commit, skipped };
  }

  /** The step's change from `base` (its tree's base, or the snapshot), with what capture left out. */
  changes(base: string, captured: Captured): Promise<Changes> {
    return computeChanges(this.store, base, captured.commit, captured.skipped);
  }

  /** The step succeeded: later steps of its tree start from its commit. */
  async keep(stepId: string, captured: Captured): Promise<void> {
    await updateRef(this.store, this.ref('steps', stepId), captured.commit);
  }
}

export interface Captured {
  commit: string;
  skipped: string[];
}

/** A readwrite mount of a single file: its one entry (none when the step removed it or made it something else). */
async function fileEntry(
  store: WaveGit,
  host: string,
  stat: Awaited<ReturnType<typeof fs.lstat>>,
  entries: readonly TreeEntry[],
  prefix: string,
): Promise<TreeEntry[]> {
  if (!stat.isFile()) return [];
  const known = entries.find((e) => e.path === prefix)?.sha;
  const sha = await writeFileBlob(store, host, Number(stat.size), known);
  return [{ mode: Number(stat.mode) & 0o100 ? '100755' : '100644', sha, path: '' }];
}
