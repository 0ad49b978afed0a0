// Time limits on what a step makes the host open upstream (limits.ts): a stalled upstream, one that never
// connects, and an idle tunnel are cut (504 where a status can still be sent) and logged, so they cannot hold the
// step's connections until it ends; a long stream is not cut while bytes flow. Real proxy and gateway servers,
// loopback upstreams, limits of a few hundred milliseconds.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { request, type ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { startModelGateway } from '../../../../src/sandbox/egress/gateway.js';
import { compilePolicy } from '../../../../src/sandbox/egress/policy.js';
import { PROVIDERS } from '../../../../src/sandbox/egress/providers.js';
import { startEgressProxy, type ConnectFn, type EgressProxyOptions } from '../../../../src/sandbox/egress/proxy.js';
import {
  countingConnect,
  httpServer,
  memoryLog,
  proxyRequest,
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let n = 0;
type Limits = Pick<EgressProxyOptions, 'connectTimeoutMs' | 'requestIdleTimeoutMs' | 'tunnelIdleTimeoutMs'>;
async function proxy(allow: string[], limits: Limits, connect: ConnectFn = countingConnect()) {
  const { policy, errors } = compilePolicy({ mode: 'allowlist', allow, hosts: { 'api.wave.test': '127.0.0.1' } });
  assert.deepEqual(errors, []);
  const log = memoryLog();
  const p = await startEgressProxy({
    socketPath: join(dir.path, `t${n++}.sock`),
    policy,
    log,
    step: 'step-t',
    connect,
    lookup: async (name) => {
      throw new Error(`unexpected DNS lookup of ${name}`);
    },
    ...limits,
  });
  cleanups.push(() => p.close());
  return { socket: p.socketPath, log };
}

/** A dial that never completes: its name lookup never answers, so no packet is ever sent. */
const neverConnects: ConnectFn = ({ port }) => netConnect({ host: 'stalled.invalid', port, lookup: () => undefined });

/** An upstream that takes requests and never answers them. */
async function silentUpstream() {
  const held: ServerResponse[] = [];
  const up = await httpServer((_req, res) => {
    held.push(res);
  });
  cleanups.push(() => up.close());
  return up;
}

/** Every `everyMs`, `count` times, a line to the stream; the test runs longer than the idle limit in total. */
async function trickle(write: (line: string) => void, count: number, everyMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    write(`tick ${i}\n`);
    await sleep(everyMs);
  }
}

describe('egress proxy: time limits', () => {
  it('cuts a forwarded request whose upstream never answers: 504 after the idle limit, logged', async () => {
    const up = await silentUpstream();
    const { socket, log } = await proxy([`api.wave.test:${up.port}`], { requestIdleTimeoutMs: 300 });
    const r = await proxyRequest(socket, `http://api.wave.test:${up.port}/stall`);
    assert.equal(r.status, 504);
    assert.equal(r.headers['x-wave-egress-reason'], 'upstream_timeout');
    const rec = await log.waitFor((x) => x.kind === 'http');
    const expected = [true, 504, 'upstream timed out: no byte either way for 300 ms'];
    assert.deepEqual([rec.allowed, rec.status, rec.error], expected);
  });

  it('an upstream that never connects: a forwarded request gets 504, a raw tunnel 504, both logged', async () => {
    const allow = ['api.wave.test:9', 'tcp://api.wave.test:7'];
    const { socket, log } = await proxy(allow, { connectTimeoutMs: 200 }, neverConnects);
    const r = await proxyRequest(socket, 'http://api.wave.test:9/');
    assert.equal(r.status, 504);
    const reply = await sendConnect(socket, 'api.wave.test:7');
    reply.socket.destroy();
    assert.equal(reply.status, 504);
    assert.match(reply.head, /X-Wave-Egress-Reason: upstream_timeout/);
    await log.waitFor(() => log.records.length === 2);
    const errors = log.records.map((r) => [r.status, r.error]);
    assert.deepEqual(errors, Array(2).fill([504, 'upstream connect timed out after 200 ms']));
  });

  it('closes a tunnel that carries no byte either way for the idle limit, and logs why', async () => {
    const echo = await tcpServer();
    cleanups.push(() => echo.close());
    const { socket, log } = await proxy([`tcp://api.wave.test:${echo.port}`], { tunnelIdleTimeoutMs: 300 });
    const reply = await sendConnect(socket, `api.wave.test:${echo.port}`);
    assert.equal(reply.status, 200);
    reply.socket.resume();
    reply.socket.write('ping');
    await within(new Promise((resolve) => reply.socket.once('close', resolve)), 5000, 'the idle tunnel closed');
    const rec = await log.waitFor((x) => x.kind === 'connect');
    assert.deepEqual([rec.allowed, rec.bytesUp, rec.bytesDown], [true, 4, 4]);
    assert.equal(rec.error, 'tunnel timed out: no byte either way for 300 ms');
  });

  it('a tunnel and a forwarded response that stream for longer than the idle limit are not cut', async () => {
    const idle = 2000;
    // Downloads only: the step sends nothing while the upstream streams, as for a long server-sent-event answer.
    const streamer = await tcpServer((s) => void trickle((line) => s.write(line), 10, 300).then(() => s.end()));
    cleanups.push(() => streamer.close());
    const web = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      void trickle((line) => res.write(line), 10, 300).then(() => res.end());
    });
    cleanups.push(() => web.close());
    const allow = [`tcp://api.wave.test:${streamer.port}`, `api.wave.test:${web.port}`];
    const { socket, log } = await proxy(allow, { tunnelIdleTimeoutMs: idle, requestIdleTimeoutMs: idle });

    const reply = await sendConnect(socket, `api.wave.test:${streamer.port}`);
    const tunnelled = within(
      new Promise<string>((resolve) => {
        let text = '';
        reply.socket.on('data', (d: Buffer) => {
          text += d.toString();
        });
        reply.socket.on('end', () => resolve(text));
      }),
      15_000,
      'the tunnelled stream',
    );
    reply.socket.resume();
    const forwarded = proxyRequest(socket, `http://api.wave.test:${web.port}/stream`, { timeoutMs: 15_000 });
    const [tunnelText, response] = await Promise.all([tunnelled, forwarded]);
    reply.socket.destroy();
    assert.equal(tunnelText.split('\n').filter(Boolean).length, 10);
    assert.equal(response.status, 200);
    assert.equal(response.body.split('\n').filter(Boolean).length, 10);
    await log.waitFor(() => log.records.length === 2);
    assert.deepEqual(
      log.records.map((r) => r.error),
      [undefined, undefined],
    );
  });
});

describe('model gateway: time limits', () => {
  it('answers 504 when the provider sends nothing for the idle limit, and logs it', async () => {
    const up = await silentUpstream();
    const log = memoryLog();
    const gw = await startModelGateway({
      socketPath: join(dir.path, `g${n++}.sock`),
      provider: PROVIDERS.anthropic,
      upstream: `http://127.0.0.1:${up.port}`,
      hostEnv: { ANTHROPIC_API_KEY: 'sk-ant-test' },
      log,
      step: 'step-t',
      idleTimeoutMs: 300,
    });
    cleanups.push(() => gw.close());
    const status = await within(
      new Promise<{ status: number; reason: unknown }>((resolve, reject) => {
        const headers = { 'content-type': 'application/json' };
        const req = request({ socketPath: gw.socketPath, path: '/v1/messages', method: 'POST', headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, reason: res.headers['x-wave-egress-reason'] });
        });
        req.on('error', reject);
        req.end('{"model":"m","max_tokens":1,"messages":[]}');
      }),
      5000,
      'the gateway answer',
    );
    assert.deepEqual(status, { status: 504, reason: 'upstream_timeout' });
    const rec = await log.waitFor((x) => x.allowed);
    assert.deepEqual([rec.status, rec.error], [504, 'upstream timed out: no byte either way for 300 ms']);
  });
});
