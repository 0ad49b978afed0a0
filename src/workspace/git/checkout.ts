// A private, writable tree made from a commit of Wave's own repository: the files only, written by git under
// Wave's neutral attributes (no filter or conversion from the tree's .gitattributes). The user's work tree is
// never involved.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { git } from './safe-git.js';
import type { WaveGit } from './store.js';

export async function checkoutCommit(
  store: WaveGit,
  commit: string,
  dir: string,
  owner?: { uid: number; gid: number },
): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wave-checkout-'));
  try {
    const options = { gitDir: store.gitDir, workTree: dir, indexFile: path.join(tmp, 'index'), cwd: dir };
    await git(['read-tree', commit], options);
    await git(['checkout-index', '--all', '--force'], options);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  if (owner) await chownTree(dir, owner);
}

/** The folder and everything below it (links themselves, not their targets) owned by `owner`. */
export async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await fs.lchown(dir, owner.uid, owner.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    await fs.lchown(path.join(entry.parentPath, entry.name), owner.uid, owner.gid);
  }
}
