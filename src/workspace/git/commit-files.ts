// The files of commits of Wave's own repository, as the contracts on changes read them: one listing per commit,
// then blobs by id in one `cat-file --batch`. No path is ever handed to git (where it would be a pattern), and a
// path a commit does not hold is told apart from git failing: a failure is a `git_failed` error, never "no file".
import { WaveError } from '../../errors.js';
import { listTree, type TreeEntry } from './capture.js';
import { git } from './safe-git.js';
import type { WaveGit } from './store.js';

const REGULAR = new Set(['100644', '100755']);

export class CommitFiles {
  private readonly listings = new Map<string, Promise<Map<string, TreeEntry>>>();

  constructor(private readonly store: WaveGit) {}

  /** The regular files of a commit by path (links and submodules are not files to read). */
  files(commit: string): Promise<Map<string, TreeEntry>> {
    let listing = this.listings.get(commit);
    if (!listing) {
      listing = listTree(this.store, commit).then(
        (entries) => new Map(entries.filter((e) => REGULAR.has(e.mode)).map((e) => [e.path, e])),
      );
      this.listings.set(commit, listing);
    }
    return listing;
  }

  /** One file's content; undefined when the commit has no regular file there. */
  async read(commit: string, file: string): Promise<Buffer | undefined> {
    return (await this.readWhere(commit, (p) => p === file)).get(file);
  }

  /** The content of every regular file of the commit whose path `wanted` accepts. */
  async readWhere(commit: string, wanted: (path: string) => boolean): Promise<Map<string, Buffer>> {
    const chosen = [...(await this.files(commit)).values()].filter((e) => wanted(e.path));
    const blobs = await readBlobs(this.store, [...new Set(chosen.map((e) => e.sha))]);
    return new Map(chosen.map((e) => [e.path, blobs.get(e.sha) as Buffer]));
  }
}

/** Blobs by id, in one git process. A missing object is git failing (its tree names it), not an empty file. */
export async function readBlobs(store: WaveGit, shas: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (shas.length === 0) return blobs;
  const { stdout } = await git(['cat-file', '--batch'], { gitDir: store.gitDir, input: `${shas.join('\n')}\n` });
  let at = 0;
  for (const sha of shas) {
    const eol = stdout.indexOf(0x0a, at);
    const header = stdout.subarray(at, eol < 0 ? stdout.length : eol).toString('utf8');
    const [id, type, size] = header.split(' ');
    if (eol < 0 || id !== sha || type !== 'blob' || size === undefined) {
      throw new WaveError(
        'git_failed',
        `git cat-file: object ${sha} is not a readable blob (${header || 'no answer'})`,
      );
    }
    const start = eol + 1;
    blobs.set(sha, stdout.subarray(start, start + Number(size)));
    at = start + Number(size) + 1; // the content is followed by a newline
  }
  return blobs;
}
