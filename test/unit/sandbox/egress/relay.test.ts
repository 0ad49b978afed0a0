// The tunnel relay (src/sandbox/egress/relay.ts) and the same relay in the bridge: bytes arrive intact and in order
// when the receiver stalls (the reused read buffer must not be overwritten while a write is pending), half-close
// travels on, bytes a socket read before the relay started are not lost, and the fast path is really taken (a Node
// upgrade that removes it must show up here, not as a silent slowdown).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, afterEach, describe, it } from 'node:test';
import { compilePolicy } from '../../../../src/sandbox/egress/policy.js';
import { startEgressProxy } from '../../../../src/sandbox/egress/proxy.js';
import { dialForRelay, relay } from '../../../../src/sandbox/egress/relay.js';
import { memoryLog, sendConnect, tempDir, within } from './helpers.js';

const BRIDGE = fileURLToPath(new URL('../../../../images/base/bridge/bridge.mjs', import.meta.url));
const dir = tempDir();
after(() => dir.remove());
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Bytes that differ everywhere (a reused buffer overwritten too early changes the hash). */
function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function listenTcp(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

/** Sends `data` respecting backpressure, then ends. */
function sendAll(s: Duplex, data: Buffer, chunk = 64 * 1024): void {
  let off = 0;
  const pump = () => {
    while (off < data.length) {
      const piece = data.subarray(off, off + chunk);
      off += piece.length;
      if (!s.write(piece)) return void s.once('drain', pump);
    }
    s.end();
  };
  pump();
}

/** Collects everything until 'end', pausing for `stallMs` after the first `stallAfter` bytes. */
function receiveAll(s: Duplex, stallAfter = 1024 * 1024, stallMs = 300): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let stalled = false;
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (!stalled && got >= stallAfter) {
        stalled = true;
        s.pause();
        setTimeout(() => s.resume(), stallMs);
      }
    });
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
    s.resume();
  });
}

/** A TCP "client side" accepted by a server and a connected "upstream" pair: relay(accepted, upstream). */
async function relayedPair(): Promise<{ client: Socket; server: Socket; fast: boolean; early: Buffer }> {
  const early = Buffer.from('bytes sent before the relay started\n');
  let serverSide: Socket | undefined;
  const target = createServer({ allowHalfOpen: true }, (s) => {
    serverSide = s;
  });
  const targetPort = await listenTcp(target);
  let fast = false;
  const front = createServer({ allowHalfOpen: true }, (accepted) => {
    const upstream = dialForRelay({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    upstream.once('connect', () => {
      // The accepted socket has been reading meanwhile: `early` sits in its buffer and must go first.
      setTimeout(() => {
        fast = relay(accepted, upstream).fast;
      }, 50);
    });
  });
  const frontPort = await listenTcp(front);
  const client = connect({ port: frontPort, host: '127.0.0.1', allowHalfOpen: true });
  await once(client, 'connect');
  client.write(early);
  await within(
    (async () => {
      while (!serverSide) await new Promise((r) => setTimeout(r, 5));
    })(),
    5000,
    'upstream accept',
  );
  await new Promise((r) => setTimeout(r, 100));
  cleanups.push(() => {
    client.destroy();
    serverSide?.destroy();
  });
  return { client, server: serverSide as Socket, fast, early };
}

describe('egress relay', () => {
  it('the upstream reads into one reused buffer; 24 MiB each way arrive intact past a stalling receiver', async () => {
    const { client, server, fast, early } = await relayedPair();
    assert.equal(fast, true, 'the reused-buffer path was not taken');
    const up = pattern(24 * 1024 * 1024, 1);
    const down = pattern(24 * 1024 * 1024, 2);
    const atServer = receiveAll(server);
    const atClient = receiveAll(client);
    sendAll(client, up);
    sendAll(server, down);
    const [gotUp, gotDown] = await within(Promise.all([atServer, atClient]), 30_000, 'transfer');
    assert.equal(gotUp.length, early.length + up.length);
    assert.equal(sha(gotUp), sha(Buffer.concat([early, up])));
    assert.equal(sha(gotDown), sha(down));
  });

  it('passes a half-close on: the client ends its request and still reads the whole answer', async () => {
    const { client, server } = await relayedPair();
    server.resume();
    const ended = once(server, 'end');
    client.end('request');
    await within(ended, 5000, 'end at server');
    const answer = receiveAll(client);
    server.end('answer after the client finished');
    assert.match((await within(answer, 5000, 'answer')).toString(), /answer after the client finished$/);
  });

  it('pipes a client stream that is not a socket (the upstream on the reused buffer), both ways', async () => {
    const target = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
    const port = await listenTcp(target);
    const upstream = dialForRelay({ port, host: '127.0.0.1', allowHalfOpen: true });
    await once(upstream, 'connect');
    const fromClient = new PassThrough();
    const toClient = new PassThrough();
    const client = Duplex.from({ readable: fromClient, writable: toClient });
    const r = relay(client, upstream, { toUpstream: Buffer.from('first|') });
    assert.equal(r.fast, true);
    const echoed = receiveAll(toClient, Infinity);
    fromClient.end('second');
    assert.equal((await within(echoed, 5000, 'echo')).toString(), 'first|second');
  });
});

describe('egress proxy tunnel and bridge, end to end on the host', () => {
  it('carries 16 MiB each way intact through bridge → Unix socket → proxy → server, and logs the byte counts', async () => {
    let serverSide: Socket | undefined;
    const target = createServer({ allowHalfOpen: true }, (s) => {
      serverSide = s;
    });
    const targetPort = await listenTcp(target);
    const { policy } = compilePolicy({
      mode: 'allowlist',
      allow: [`tcp://sink.wave.test:${targetPort}`],
      hosts: { 'sink.wave.test': '127.0.0.1' },
    });
    const log = memoryLog();
    const proxy = await startEgressProxy({ socketPath: join(dir.path, 'e2e.sock'), policy, log, step: 'relay' });
    cleanups.push(() => proxy.close());
    const probe = createServer();
    const bridgePort = await listenTcp(probe);
    await new Promise((r) => probe.close(r));
    cleanups.splice(-1, 1);
    const bridge = spawn(process.execPath, [BRIDGE, '--listen', `127.0.0.1:${bridgePort}=${proxy.socketPath}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => bridge.kill('SIGTERM'));
    await within(
      new Promise<void>((resolve) =>
        bridge.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        }),
      ),
      10_000,
      'bridge',
    );

    const client = connect({ port: bridgePort, host: '127.0.0.1', allowHalfOpen: true });
    cleanups.push(() => client.destroy());
    client.write(`CONNECT sink.wave.test:${targetPort} HTTP/1.1\r\nHost: sink.wave.test:${targetPort}\r\n\r\n`);
    const head = await within(
      new Promise<Buffer>((resolve) => {
        let buf = Buffer.alloc(0);
        const onData = (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          client.off('data', onData);
          client.pause();
          if (buf.length > end + 4) client.unshift(buf.subarray(end + 4));
          resolve(buf.subarray(0, end));
        };
        client.on('data', onData);
      }),
      5000,
      'CONNECT reply',
    );
    assert.match(head.toString(), /^HTTP\/1\.1 200/);
    await within(
      (async () => {
        while (!serverSide) await new Promise((r) => setTimeout(r, 5));
      })(),
      5000,
      'upstream accept',
    );
    const server = serverSide as Socket;
    cleanups.push(() => server.destroy());

    const up = pattern(16 * 1024 * 1024, 3);
    const down = pattern(16 * 1024 * 1024, 4);
    const atServer = receiveAll(server);
    const atClient = receiveAll(client);
    sendAll(client, up);
    sendAll(server, down);
    const [gotUp, gotDown] = await within(Promise.all([atServer, atClient]), 60_000, 'transfer');
    assert.equal(sha(gotUp), sha(up));
    assert.equal(sha(gotDown), sha(down));
    const rec = await log.waitFor((r) => r.allowed);
    assert.equal(rec.bytesUp, up.length);
    assert.equal(rec.bytesDown, down.length);
  });

  it('the proxy takes the fast path for a CONNECT socket from its HTTP server', async () => {
    // The proxy's client socket comes from http.Server's 'connect' event: check that the relay takes it too.
    const server = createHttpServer();
    const tcp = createServer((s) => s.pipe(s));
    const tcpPort = await listenTcp(tcp);
    const result = new Promise<boolean>((resolve) => {
      server.on('connect', (_req, socket: Duplex, head: Buffer) => {
        const upstream = dialForRelay({ port: tcpPort, host: '127.0.0.1' });
        upstream.once('connect', () => {
          resolve(relay(socket, upstream, { toUpstream: head, toClient: 'HTTP/1.1 200 OK\r\n\r\n' }).fast);
        });
      });
    });
    await new Promise<void>((r) => server.listen(join(dir.path, 'h.sock'), r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const reply = await sendConnect(join(dir.path, 'h.sock'), 'x.wave.test:1');
    cleanups.push(() => reply.socket.destroy());
    assert.equal(reply.status, 200);
    assert.equal(await within(result, 5000, 'relay'), true);
    reply.socket.resume();
    const echoed = within(
      new Promise<string>((resolve) => reply.socket.once('data', (d: Buffer) => resolve(d.toString()))),
      5000,
      'echo',
    );
    reply.socket.write('ping');
    assert.equal(await echoed, 'ping');
  });
});
