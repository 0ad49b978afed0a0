// Where the proxy and the gateways listen: a Unix socket in the step's socket directory, never a TCP port, so
// nothing but the step's bridge (and root) can reach them.
import { lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';

/** A socket file left by a crashed run may be removed; anything else at that path is an error. */
export async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

/** Listens on `socketPath` (replacing a stale socket), then lets the caller secure the file (owner, mode). */
export async function listenOnSocket(server: Server, socketPath: string, onListening?: (path: string) => void | Promise<void>): Promise<void> {
  await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (onListening) await onListening(socketPath);
}
