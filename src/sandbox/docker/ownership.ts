// Making /wave/out writable by the container user, and giving its contents back afterwards.
//
// Non-root Wave: the container runs as the invoking uid:gid, which already owns out/ — nothing to do, and files
// the step writes are the user's on the host.
// Root Wave: the container runs as an unprivileged uid (10001). We chown out/ to it before start (rather than
// chmod 0777: a world-writable directory would let any local user plant or swap files in a step's outputs),
// and after the container is gone chown everything back to the invoking user — walking with lstat/lchown so a
// symlink the step left behind never makes us chown something outside out/ — and strip setuid/setgid bits,
// which a root-owned file must not keep.
import { lchown, lstat, readdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export interface Ids {
  uid: number;
  gid: number;
}

async function chownTree(path: string, ids: Ids, stripSetId: boolean): Promise<void> {
  const st = await lstat(path);
  await lchown(path, ids.uid, ids.gid);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    for (const name of await readdir(path)) await chownTree(join(path, name), ids, stripSetId);
  } else if (stripSetId && st.isFile() && (st.mode & 0o6000) !== 0) {
    await chmod(path, st.mode & 0o1777);
  }
}

/** True when out/ had to be handed to the container user (so restoreOutDir must run). */
export async function prepareOutDir(outDir: string, host: Ids, container: Ids): Promise<boolean> {
  if (host.uid === container.uid && host.gid === container.gid) return false;
  if (host.uid !== 0) return false; // only root can chown; a non-root Wave runs the container as itself
  const st = await lstat(outDir);
  if (!st.isDirectory()) throw new Error(`${outDir} is not a directory`);
  await chownTree(outDir, container, false);
  return true;
}

export async function restoreOutDir(outDir: string, host: Ids): Promise<void> {
  await chownTree(outDir, host, true);
}
