// Where the proxy and the gateways listen: a Unix socket in the step's socket directory, never a TCP port, so
// nothing but the step's bridge (and root) can reach them. A plain net server accepts and applies the step's
// connection cap before a socket is handed to the HTTP server, so a refused connection never reaches a parser.
import { lstat, unlink } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { ConnectionCap } from './connection-cap.js';

/** A socket file left by a crashed run may be removed; anything else at that path is an error. */
export async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

export interface ListenOptions {
  cap: ConnectionCap;
  /** Writes the refusal for a connection over the cap (the socket is closed afterwards). */
  onRefuse: (socket: Socket) => void;
  /** Called once the socket is bound, before anyone can be told about it (chmod/chown). */
  onListening?: (path: string) => void | Promise<void>;
}

export interface Listener {
  /** Stops accepting and removes the socket file (open connections are the caller's to destroy). */
  close(): Promise<void>;
}

/** Listens on `socketPath` (replacing a stale socket) and feeds admitted connections to `server`. */
export async function listenOnSocket(
  server: HttpServer,
  socketPath: string,
  options: ListenOptions,
): Promise<Listener> {
  await removeStaleSocket(socketPath);
  const front = createNetServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    if (!options.cap.admit(socket)) {
      options.onRefuse(socket);
      // The descriptor is freed as soon as the refusal is written (it then waits in the client's receive queue),
      // and after a second at the latest: not an idle timeout, which a client could keep resetting by
      // trickling bytes and so hold descriptors beyond its cap.
      socket.end(() => socket.destroy());
      const deadline = setTimeout(() => socket.destroy(), 1_000);
      socket.once('close', () => clearTimeout(deadline));
      return;
    }
    // The documented way to give an HTTP server a connection it did not accept itself.
    server.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(socketPath, () => {
      front.off('error', reject);
      resolve();
    });
  });
  if (options.onListening) await options.onListening(socketPath);
  return {
    async close() {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await unlink(socketPath).catch(() => undefined);
    },
  };
}
