// Test helpers for the egress proxy and gateway: loopback servers that count connections, a connect function
// that records every dial, an in-memory log, and raw CONNECT / absolute-form requests over the proxy's Unix socket.
// Everything listens on 127.0.0.1 only and is closed by the returned close().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConnect, type ConnectFn } from '../../../../src/sandbox/egress/proxy.js';
import type { EgressLog, EgressRecord } from '../../../../src/sandbox/egress/log.js';

export interface CountingServer {
  server: Server;
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that counts TCP connections. */
export async function httpServer(handler: RequestListener): Promise<CountingServer> {
  const server = createHttpServer(handler);
  const sockets = new Set<Socket>();
  const state: CountingServer = {
    server,
    port: 0,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** A raw TCP server on 127.0.0.1 that counts connections and echoes. */
export async function tcpServer(
  onConnection?: (s: Socket) => void,
): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, close: async () => undefined as void };
  const server = createNetServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (onConnection) onConnection(s);
    else s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A ConnectFn that records every dial; `redirect` lets a test send a dial for port P somewhere loopback. */
export function countingConnect(
  redirect?: (target: { host: string; port: number }) => { host: string; port: number },
): ConnectFn & { calls: Array<{ host: string; port: number }> } {
  const calls: Array<{ host: string; port: number }> = [];
  const fn = ((target: { host: string; port: number }, use?: 'tunnel' | 'request') => {
    calls.push(target);
    return defaultConnect(redirect ? redirect(target) : target, use);
  }) as ConnectFn & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}

export function memoryLog(): EgressLog & {
  records: EgressRecord[];
  waitFor(pred: (r: EgressRecord) => boolean, ms?: number): Promise<EgressRecord>;
} {
  const records: EgressRecord[] = [];
  const waiters: Array<() => void> = [];
  return {
    records,
    record(rec) {
      records.push(rec);
      for (const w of waiters.splice(0)) w();
    },
    close: async () => undefined,
    async waitFor(pred, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = records.find(pred);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching egress record within ${ms} ms; have ${JSON.stringify(records)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

export interface ConnectReply {
  status: number;
  head: string;
  socket: Socket;
}

/** Sends `CONNECT authority` over the proxy's Unix socket and reads the response head. */
export function sendConnect(socketPath: string, authority: string, timeoutMs = 5000): Promise<ConnectReply> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(socketPath);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`CONNECT ${authority}: no reply in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const head = buf.subarray(0, end).toString('latin1');
      const rest = buf.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve({ status: Number(head.split(' ')[1]), head, socket });
    };
    socket.on('data', onData);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

export interface ProxiedResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An absolute-form request through the proxy's Unix socket. */
export function proxyRequest(
  socketPath: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: url, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error('proxy request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A temp dir for sockets (short path: Unix socket paths are limited to ~100 bytes). */
export function tempDir(prefix = 'wave-egt-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A throwaway self-signed certificate for `names` (generated with openssl at test time). */
export function selfSignedCert(names: string[]): { key: string; cert: string } {
  const dir = tempDir('wave-cert-');
  try {
    const san = names.map((n) => `DNS:${n}`).join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${names[0]}`,
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir.path, 'key.pem'),
        '-out',
        join(dir.path, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir.path, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir.path, 'cert.pem'), 'utf8'),
    };
  } finally {
    dir.remove();
  }
}

/** Rejects after ms: bounds every wait in the tests. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}
