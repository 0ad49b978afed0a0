// The egress proxy on the host: forwarding, refusals that never dial, SNI enforcement, redirects passed through,
// hop-by-hop stripping and the per-step connection limit. Every server is a loopback server started here.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { createConnectionCap } from '../../../../src/sandbox/egress/connection-cap.js';
import { compilePolicy, type NetworkMode } from '../../../../src/sandbox/egress/policy.js';
import { startEgressProxy, type EgressProxy } from '../../../../src/sandbox/egress/proxy.js';
import type { LookupFn } from '../../../../src/sandbox/egress/resolve.js';
import {
  countingConnect,
  httpServer,
  memoryLog,
  proxyRequest,
  selfSignedCert,
  sendConnect,
  tcpServer,
  tempDir,
  within,
} from './helpers.js';

const dir = tempDir();
after(() => dir.remove());
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

let n = 0;
async function proxy(
  allow: string[],
  opts: {
    mode?: NetworkMode;
    hosts?: Record<string, string>;
    maxConnections?: number;
    lookup?: LookupFn;
    redirect?: (t: { host: string; port: number }) => { host: string; port: number };
  } = {},
) {
  const { policy, errors } = compilePolicy({
    mode: opts.mode ?? 'allowlist',
    allow,
    hosts: opts.hosts ?? { 'api.wave.test': '127.0.0.1', 'sneaky.wave.test': '127.0.0.1' },
  });
  assert.deepEqual(errors, []);
  const log = memoryLog();
  const connect = countingConnect(opts.redirect);
  const p: EgressProxy = await startEgressProxy({
    socketPath: join(dir.path, `p${n++}.sock`),
    policy,
    log,
    step: 'step-a',
    run: 'run-1',
    connect,
    lookup:
      opts.lookup ??
      (async (name) => {
        throw new Error(`unexpected DNS lookup of ${name}`);
      }),
    ...(opts.maxConnections ? { cap: createConnectionCap(opts.maxConnections) } : {}),
    clientHelloTimeoutMs: 2000,
  });
  cleanups.push(() => p.close());
  return { p, log, connect, socket: p.socketPath };
}

describe('egress proxy: plain HTTP forwarding', () => {
  it('forwards an allowed request and logs it; refuses an unlisted name and an unlisted port with 403', async () => {
    const upstream = await httpServer((req, res) => res.end(`hello ${req.headers.host} ${req.url}`));
    cleanups.push(() => upstream.close());
    const { socket, log, connect } = await proxy([`api.wave.test:${upstream.port}`]);

    const ok = await proxyRequest(socket, `http://api.wave.test:${upstream.port}/hello?x=1`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, `hello api.wave.test:${upstream.port} /hello?x=1`);
    const rec = await log.waitFor((r) => r.allowed);
    assert.equal(rec.kind, 'http');
    assert.equal(rec.address, '127.0.0.1');
    assert.equal(rec.reason, 'exact_entry');
    assert.ok(rec.bytesDown > 0 && rec.bytesUp > 0);

    const denied = await proxyRequest(socket, `http://other.wave.test:${upstream.port}/`);
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['x-wave-egress-reason'], 'not_allowlisted');
    const port = await proxyRequest(socket, `http://api.wave.test:${upstream.port + 1}/`);
    assert.equal(port.status, 403);
    assert.equal(port.headers['x-wave-egress-reason'], 'port_not_allowed');
    assert.deepEqual(
      log.records.filter((r) => !r.allowed).map((r) => r.reason),
      ['not_allowlisted', 'port_not_allowed'],
    );
    assert.equal(connect.calls.length, 1);
    assert.equal(upstream.connections, 1);
  });

  it('passes a redirect through without following it', async () => {
    let hits = 0;
    const upstream = await httpServer((_req, res) => {
      hits++;
      res.writeHead(302, { location: 'http://elsewhere.wave.test/next' }).end();
    });
    cleanups.push(() => upstream.close());
    const { socket, connect } = await proxy([`api.wave.test:${upstream.port}`]);
    const r = await proxyRequest(socket, `http://api.wave.test:${upstream.port}/start`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'http://elsewhere.wave.test/next');
    assert.equal(hits, 1);
    assert.equal(connect.calls.length, 1);
  });

  it('strips hop-by-hop headers both ways and pins Host to the checked URL', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const upstream = await httpServer((req, res) => {
      seen = req.headers;
      res
        .writeHead(200, {
          'x-resp-hop': 'secret',
          connection: 'x-resp-hop',
          'proxy-authenticate': 'Basic',
          'x-end-to-end': 'kept',
        })
        .end('ok');
    });
    cleanups.push(() => upstream.close());
    const { socket } = await proxy([`api.wave.test:${upstream.port}`]);
    const r = await proxyRequest(socket, `http://api.wave.test:${upstream.port}/`, {
      headers: {
        connection: 'te, keep-alive',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic c2VjcmV0',
        te: 'trailers',
        'proxy-connection': 'keep-alive',
        host: 'evil.wave.test',
        'x-keep': 'yes',
      },
    });
    assert.equal(r.status, 200);
    for (const h of ['keep-alive', 'proxy-authorization', 'te', 'proxy-connection'])
      assert.equal(seen[h], undefined, h);
    assert.equal(seen['x-keep'], 'yes');
    assert.equal(seen.host, `api.wave.test:${upstream.port}`);
    assert.equal(r.headers['x-resp-hop'], undefined);
    assert.equal(r.headers['proxy-authenticate'], undefined);
    assert.equal(r.headers['x-end-to-end'], 'kept');
  });

  it('streams a large response body', async () => {
    const size = 8 * 1024 * 1024;
    const upstream = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': size });
      res.end(Buffer.alloc(size, 0x61));
    });
    cleanups.push(() => upstream.close());
    const { socket } = await proxy([`api.wave.test:${upstream.port}`]);
    const r = await within(proxyRequest(socket, `http://api.wave.test:${upstream.port}/big`), 10_000, 'big body');
    assert.equal(r.body.length, size);
  });

  it('refuses origin-form requests and https absolute URIs with 400', async () => {
    const { socket, connect } = await proxy([]);
    assert.equal((await proxyRequest(socket, '/relative')).status, 400);
    assert.equal((await proxyRequest(socket, 'https://api.wave.test/')).status, 400);
    assert.equal(connect.calls.length, 0);
  });

  it('reports dns_failed with 502 when the host cannot be resolved', async () => {
    const { socket, log, connect } = await proxy(['unresolvable.invalid'], {
      hosts: {},
      lookup: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    const r = await proxyRequest(socket, 'http://unresolvable.invalid/');
    assert.equal(r.status, 502);
    assert.equal(r.headers['x-wave-egress-reason'], 'dns_failed');
    assert.equal((await log.waitFor(() => true)).reason, 'dns_failed');
    assert.equal(connect.calls.length, 0);
  });
});

describe('egress proxy: CONNECT refusals never dial', () => {
  it('refuses IP literals, loopback names and numeric forms before any connection', async () => {
    const target = await tcpServer();
    cleanups.push(() => target.close());
    const p = target.port;
    // *.wave.test:<p> is listed, so sneaky.wave.test passes the name check and is refused on its loopback address.
    const { socket, log, connect } = await proxy([`*.wave.test:${p}`, 'api.wave.test']);
    const attacks: Array<[string, string]> = [
      [`127.0.0.2:${p}`, 'ip_literal'],
      [`0.0.0.0:${p}`, 'ip_literal'],
      [`sneaky.wave.test:${p}`, 'private_address'],
      [`localhost.:${p}`, 'private_address'],
      [`LOCALHOST:${p}`, 'private_address'],
      [`127.1:${p}`, 'ip_literal'],
      [`0x7f.0.0.1:${p}`, 'ip_literal'],
      [`0177.0.0.1:${p}`, 'ip_literal'],
      [`2130706433:${p}`, 'ip_literal'],
      [`[::1]:${p}`, 'ip_literal'],
      [`[::ffff:127.0.0.1]:${p}`, 'ip_literal'],
      [`api.wave.test:${p + 1}`, 'port_not_allowed'],
      [`nope.invalid:${p}`, 'not_allowlisted'],
      ['no-port.wave.test', 'bad_request'],
    ];
    for (const [authority, reason] of attacks) {
      const reply = await sendConnect(socket, authority);
      reply.socket.destroy();
      assert.equal(reply.status, reason === 'bad_request' ? 400 : 403, authority);
      assert.match(reply.head, new RegExp(`X-Wave-Egress-Reason: ${reason}`), authority);
    }
    // Absolute-form requests get the same treatment.
    assert.equal((await proxyRequest(socket, `http://127.1:${p}/`)).status, 403);
    assert.equal((await proxyRequest(socket, `http://[::ffff:127.0.0.1]:${p}/`)).status, 403);
    assert.deepEqual(connect.calls, []);
    assert.equal(target.connections, 0);
    assert.equal(log.records.length, attacks.length + 2);
    assert.ok(log.records.every((r) => !r.allowed && r.step === 'step-a' && r.bytesUp === 0));
  });

  it('tunnels raw bytes to a target listed as tcp://host:port (a loopback one needs the exact entry)', async () => {
    const target = await tcpServer();
    cleanups.push(() => target.close());
    const { socket, log } = await proxy([`tcp://api.wave.test:${target.port}`]);
    const reply = await sendConnect(socket, `api.wave.test:${target.port}`);
    assert.equal(reply.status, 200);
    reply.socket.resume();
    const echoed = await within(
      new Promise<string>((resolve) => {
        reply.socket.once('data', (d: Buffer) => resolve(d.toString()));
        reply.socket.write('ping');
      }),
      5000,
      'echo',
    );
    assert.equal(echoed, 'ping');
    reply.socket.destroy();
    const rec = await log.waitFor((r) => r.allowed);
    assert.equal(rec.bytesUp, 4);
    assert.equal(rec.bytesDown, 4);
  });

  it('limits concurrent connections per step (503, logged) and frees the slot on close', async () => {
    const target = await tcpServer();
    cleanups.push(() => target.close());
    const { socket, log, p } = await proxy([`tcp://api.wave.test:${target.port}`], { maxConnections: 2 });
    const a = await sendConnect(socket, `api.wave.test:${target.port}`);
    const b = await sendConnect(socket, `api.wave.test:${target.port}`);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const c = await sendConnect(socket, `api.wave.test:${target.port}`);
    assert.equal(c.status, 503);
    assert.match(c.head, /too_many_connections/);
    c.socket.destroy();
    assert.equal((await log.waitFor((r) => r.reason === 'too_many_connections')).allowed, false);
    a.socket.destroy();
    await within(
      (async () => {
        while (p.activeConnections() > 1) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      'slot freed',
    );
    const d = await sendConnect(socket, `api.wave.test:${target.port}`);
    assert.equal(d.status, 200);
    b.socket.destroy();
    d.socket.destroy();
  });
});

describe('egress proxy: a step cannot hold descriptors beyond its cap', () => {
  /** An upstream that never answers, counting the requests it got. */
  async function silentUpstream() {
    const got: string[] = [];
    const upstream = await httpServer((req) => {
      got.push(req.url ?? '');
    });
    cleanups.push(() => upstream.close());
    return { upstream, got };
  }

  it('a refused connection is closed at once, even while the step keeps sending bytes', async () => {
    const { socket } = await proxy([], { maxConnections: 1 });
    const held = netConnect(socket);
    cleanups.push(() => held.destroy());
    const refused = netConnect({ path: socket, allowHalfOpen: true });
    refused.on('error', () => undefined);
    // Writes succeed while the host end is open (an idle timeout would keep being reset); they fail once it is gone.
    const trickle = setInterval(() => refused.write('G'), 20);
    cleanups.push(() => clearInterval(trickle));
    await within(new Promise((resolve) => refused.once('close', resolve)), 5000, 'the refused connection closed');
  });

  it('pipelined requests end the connection: at most one reaches the upstream, one log line', async () => {
    const { upstream, got } = await silentUpstream();
    const { socket, log } = await proxy([`api.wave.test:${upstream.port}`]);
    const c = netConnect(socket);
    c.on('error', () => undefined);
    const authority = `api.wave.test:${upstream.port}`;
    c.write(`GET http://${authority}/p HTTP/1.1\r\nHost: ${authority}\r\n\r\n`.repeat(50));
    await within(new Promise((resolve) => c.once('close', resolve)), 5000, 'the proxy ends the connection');
    assert.ok(got.length <= 1, `${got.length} upstream requests`);
    const rec = await log.waitFor((r) => r.reason === 'bad_framing');
    assert.match(rec.detail ?? '', /pipelining/);
    assert.equal(log.records.filter((r) => r.reason === 'bad_framing').length, 1);
  });

  it('nothing is dialled for a step that left while the name was being resolved', async () => {
    const { upstream, got } = await silentUpstream();
    let resolved!: () => void;
    const lookedUp = new Promise<void>((resolve) => {
      resolved = resolve;
    });
    // The resolver answers once the step's connection is gone on the host side (its slot freed).
    const { socket, connect, log, p } = await proxy([`slow.wave.test:${upstream.port}`], {
      hosts: {},
      lookup: async () => {
        while (p.activeConnections() > 0) await new Promise((r) => setTimeout(r, 10));
        setImmediate(resolved); // after the proxy's continuation, which would dial
        return ['127.0.0.1'];
      },
    });
    const c = netConnect(socket);
    c.on('error', () => undefined);
    const authority = `slow.wave.test:${upstream.port}`;
    c.write(`GET http://${authority}/ HTTP/1.1\r\nHost: ${authority}\r\n\r\n`, () => c.destroy());
    await within(lookedUp, 5000, 'the lookup');
    assert.deepEqual(connect.calls, []);
    assert.deepEqual(got, []);
    assert.match((await log.waitFor((r) => r.allowed)).error ?? '', /closed the connection before the request/);
  });
});

describe('egress proxy: TLS SNI must equal the CONNECT host', () => {
  const { key, cert } = selfSignedCert(['api.wave.test', 'evil.wave.test']);

  async function tlsTarget() {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createTlsServer({ key, cert }, (s: TLSSocket) => {
      s.on('error', () => undefined);
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure');
    });
    server.on('connection', (s: Socket) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
    return { port, connections: () => connections };
  }

  async function setup() {
    const target = await tlsTarget();
    // Port 443 is the policy's TLS port; the instrumented dialer sends the 443 dial to the loopback test server.
    const ctx = await proxy(['api.wave.test:443'], { redirect: ({ host }) => ({ host, port: target.port }) });
    return { ...ctx, target };
  }

  it('lets a ClientHello with the matching SNI through, end to end', async () => {
    const { socket, log, connect, target } = await setup();
    const reply = await sendConnect(socket, 'api.wave.test:443');
    assert.equal(reply.status, 200);
    const body = await within(
      new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: 'api.wave.test',
            path: '/',
            ca: cert,
            servername: 'api.wave.test',
            createConnection: () => tlsConnect({ socket: reply.socket, servername: 'api.wave.test', ca: cert }),
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end();
      }),
      5000,
      'https through tunnel',
    );
    assert.equal(body, 'secure');
    assert.equal(connect.calls.length, 1);
    assert.deepEqual(connect.calls[0], { host: '127.0.0.1', port: 443 });
    assert.equal(target.connections(), 1);
    const rec = await log.waitFor((r) => r.allowed);
    assert.equal(rec.sni, 'api.wave.test');
  });

  it('cuts a tunnel whose SNI differs from the CONNECT host, before dialling, and logs why', async () => {
    const { socket, log, connect, target } = await setup();
    const reply = await sendConnect(socket, 'api.wave.test:443');
    assert.equal(reply.status, 200);
    const outcome = await within(
      new Promise<string>((resolve) => {
        const tls = tlsConnect({ socket: reply.socket, servername: 'evil.wave.test', ca: cert });
        tls.on('secureConnect', () => resolve('connected'));
        tls.on('error', (err) => resolve(`error: ${err.message}`));
        tls.on('close', () => resolve('closed'));
      }),
      5000,
      'mismatched SNI',
    );
    assert.notEqual(outcome, 'connected');
    const rec = await log.waitFor((r) => r.reason === 'sni_mismatch');
    assert.equal(rec.allowed, false);
    assert.match(rec.detail ?? '', /evil\.wave\.test/);
    assert.equal(connect.calls.length, 0);
    assert.equal(target.connections(), 0);
  });

  it('cuts a tunnel without SNI, and one that does not start with a ClientHello', async () => {
    const { socket, log, connect } = await setup();
    const a = await sendConnect(socket, 'api.wave.test:443');
    const tls = tlsConnect({ socket: a.socket, servername: '', rejectUnauthorized: false });
    tls.on('error', () => undefined);
    await log.waitFor((r) => r.reason === 'sni_missing');
    tls.destroy();
    const b = await sendConnect(socket, 'api.wave.test:443');
    b.socket.write('GET / HTTP/1.1\r\nHost: api.wave.test\r\n\r\n');
    await log.waitFor((r) => r.reason === 'raw_tunnel');
    b.socket.destroy();
    assert.equal(connect.calls.length, 0);
  });

  it('checks SNI on every port: an allowlisted name:8443 refuses a handshake for another name', async () => {
    const target = await tlsTarget();
    const { socket, log, connect } = await proxy(['api.wave.test:8443'], {
      redirect: ({ host }) => ({ host, port: target.port }),
    });
    const reply = await sendConnect(socket, 'api.wave.test:8443');
    const tls = tlsConnect({ socket: reply.socket, servername: 'evil.wave.test', ca: cert });
    tls.on('error', () => undefined);
    const rec = await log.waitFor((r) => r.reason === 'sni_mismatch');
    assert.equal(rec.port, 8443);
    tls.destroy();
    assert.equal(connect.calls.length, 0);
    assert.equal(target.connections(), 0);
  });

  it('refuses a raw tunnel to an allowlisted name on port 80 (plain HTTP must use absolute-form requests)', async () => {
    const target = await tcpServer();
    cleanups.push(() => target.close());
    const { socket, log, connect } = await proxy(['api.wave.test:80'], {
      redirect: ({ host }) => ({ host, port: target.port }),
    });
    const reply = await sendConnect(socket, 'api.wave.test:80');
    reply.socket.write('GET / HTTP/1.1\r\nHost: evil.wave.test\r\n\r\n');
    const rec = await log.waitFor((r) => r.reason === 'raw_tunnel');
    assert.match(rec.detail ?? '', /tcp:\/\/api\.wave\.test:80/);
    reply.socket.destroy();
    assert.equal(connect.calls.length, 0);
    assert.equal(target.connections, 0);
  });
});
