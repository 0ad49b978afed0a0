// The per-step host directory that holds the proxy and gateway sockets and is bind-mounted at /wave/run.
//
// Who may connect: connect(2) on a Unix socket needs write permission on the socket file (and search permission
// on every directory above it). A read-only bind mount does not matter: the mount's read-only flag stops writes
// through the file system (create, unlink, chmod), not connect(), which the kernel checks against the socket
// inode's mode only. So the directory is mounted read-only (the step cannot plant or replace files in it) and
// the modes below decide who connects:
//   - Wave runs as the same uid as the container user (non-root host): directory 0700, sockets 0600.
//   - Wave runs as root and the container user is another uid (10001): directory root:<container gid> 0750,
//     sockets root:<container gid> 0660. The container process (gid 10001) can traverse and connect; it cannot
//     rename or delete anything (no write on the directory); other host users get nothing.
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaveError } from '../../errors.js';

/** Linux allows 108 bytes in sun_path, macOS 104; keep room for the longest socket name we use. */
const MAX_SOCKET_PATH = 100;

export interface ContainerIdentity {
  uid: number;
  gid: number;
}

export interface RunDir {
  path: string;
  /** Host path of a socket in this directory. */
  socketPath(name: string): string;
  /** Gives a freshly bound socket the mode and group described above. */
  secureSocket(path: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createRunDir(user: ContainerIdentity, root: string = tmpdir()): Promise<RunDir> {
  const path = await mkdtemp(join(root, 'wave-egress-'));
  const self = process.getuid?.() ?? 0;
  const sameUser = self === user.uid;
  if (!sameUser && self !== 0) {
    await rm(path, { recursive: true, force: true });
    throw new WaveError(
      'sandbox_failed',
      `egress: cannot give container uid ${user.uid} access to the proxy socket while running as uid ${self}`,
      {
        hint: 'run the step as the invoking user (the default when Wave is not root)',
      },
    );
  }
  if (sameUser) {
    await chmod(path, 0o700);
  } else {
    await chown(path, self, user.gid);
    await chmod(path, 0o750);
  }
  return {
    path,
    socketPath(name) {
      const p = join(path, name);
      if (p.length > MAX_SOCKET_PATH) {
        throw new WaveError('sandbox_failed', `egress: socket path ${p} is too long for a Unix socket`, {
          hint: 'set TMPDIR to a shorter directory',
        });
      }
      return p;
    },
    async secureSocket(socket) {
      if (sameUser) {
        await chmod(socket, 0o600);
      } else {
        await chown(socket, self, user.gid);
        await chmod(socket, 0o660);
      }
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
