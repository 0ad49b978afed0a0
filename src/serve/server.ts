// `wave serve` as a service: the app over the project's store, its live feed, listening on the bind address.
// The store is the CLI's (same code, same file); SQLite's WAL lets it read while pipelines write.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WaveError } from '../errors.js';
import type { Store } from '../state/index.js';
import type { ResumeLauncher } from './actions.js';
import { createApp, type GateHooks } from './app.js';
import { AccessPolicy } from './auth.js';
import { EventFeed } from './feed.js';

export interface ServeOptions {
  store: Store;
  projectDir: string;
  bind: string;
  /** 0 picks a free port. */
  port: number;
  token?: string | undefined;
  resume: ResumeLauncher;
  gates?: GateHooks;
}

export interface RunningServer {
  /** The address to open, e.g. http://127.0.0.1:8080/. */
  url: string;
  /** The one-time login link: sets the session cookie that actions (and, off loopback, every page) need. */
  loginUrl: string;
  policy: AccessPolicy;
  feed: EventFeed;
  close: () => Promise<void>;
}

export const MIN_TOKEN_LENGTH = 16;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
    throw new WaveError('usage', `--token: at least ${MIN_TOKEN_LENGTH} characters`, {
      hint: 'leave it out and wave serve makes a strong one',
    });
  }
  const policy = new AccessPolicy({ bind: options.bind, token: options.token });
  const feed = new EventFeed(options.store);
  const app = createApp({
    store: options.store,
    feed,
    policy,
    projectDir: options.projectDir,
    resume: options.resume,
    ...(options.gates ? { gates: options.gates } : {}),
  });
  const server = await listen(app.fetch, options.bind, options.port);
  const { port } = server.address() as AddressInfo;
  policy.listeningOn(port);
  feed.start();
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  const url = `http://${host}:${port}/`;
  return {
    url,
    loginUrl: `${url}?token=${encodeURIComponent(policy.token)}`,
    policy,
    feed,
    close: () =>
      new Promise<void>((resolve) => {
        feed.close();
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], bind: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: bind, port }, () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES'
          ? new WaveError('usage', `--bind ${bind} --port ${port}: cannot listen (${err.code})`, {
              hint: err.code === 'EADDRINUSE' ? 'choose another --port' : 'choose an address of this machine',
            })
          : err,
      ),
    );
  });
}
