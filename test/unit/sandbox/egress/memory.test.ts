// What a step can make the host hold in memory through its egress. The model gateways read request bodies whole,
// so they share one per-step budget of buffered body bytes (body-budget.ts): counted as they arrive (a declared
// length before the first byte), refused with a logged 503 beyond it, given back once the body is sent upstream or
// the request is gone. Everything else streams with backpressure: a step that sends faster than an upstream reads,
// or an upstream that answers faster than the step reads, makes the host hold socket buffers, not the stream.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createBodyBudget, type BodyBudget } from '../../../../src/sandbox/egress/body-budget.js';
import { startModelGateway } from '../../../../src/sandbox/egress/gateway.js';
import type { EgressLog } from '../../../../src/sandbox/egress/log.js';
import { compilePolicy } from '../../../../src/sandbox/egress/policy.js';
import { PROVIDERS, type ProviderId } from '../../../../src/sandbox/egress/providers.js';
import { startEgressProxy } from '../../../../src/sandbox/egress/proxy.js';
import { countingConnect, httpServer, memoryLog, tempDir, within } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const dir = tempDir();
after(() => dir.remove());
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = (what: string, pred: () => boolean, ms = 5000) =>
  within(
    (async () => {
      while (!pred()) await sleep(10);
    })(),
    ms,
    what,
  );

let n = 0;
async function gateway(provider: ProviderId, upstreamPort: number, log: EgressLog, bodyBudget: BodyBudget) {
  const gw = await startModelGateway({
    socketPath: join(dir.path, `m${n++}.sock`),
    provider: PROVIDERS[provider],
    upstream: `http://127.0.0.1:${upstreamPort}`,
    hostEnv: {},
    log,
    step: 'step-m',
    bodyBudget,
  });
  cleanups.push(() => gw.close());
  return gw.socketPath;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A POST to a gateway that the test writes itself; `answer` settles with the response, or rejects. */
function post(socketPath: string, path: string, headers: Record<string, string> = {}) {
  const all = { 'content-type': 'application/json', ...headers };
  const req = request({ socketPath, path, method: 'POST', headers: all });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  answer.catch(() => undefined);
  cleanups.push(() => req.destroy());
  return { req, answer };
}

/** `{"pad":"xxx…"` of exactly `bytes` bytes: the start of a JSON body the test finishes with `}`. */
const jsonStart = (bytes: number) => `{"pad":"${'x'.repeat(bytes - 9)}"`;

/** An upstream that answers each request once its body has arrived, and records the body sizes. */
async function modelUpstream() {
  const sizes: number[] = [];
  const up = await httpServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
    });
    req.on('end', () => {
      sizes.push(size);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  cleanups.push(() => up.close());
  return { port: up.port, sizes };
}

/**
 * Writes up to `total` bytes as fast as `w` drains. Resolves with the bytes written once no drain came for
 * `quietMs`: the reader stopped and backpressure holds the writer.
 */
async function writeUntilStalled(w: Writable, total: number, quietMs = 1000): Promise<number> {
  const chunk = Buffer.alloc(64 * KiB, 0x61);
  let written = 0;
  while (written < total) {
    written += chunk.length;
    if (w.write(chunk)) continue;
    const drain = new Promise((resolve) => w.once('drain', () => resolve(true)));
    const drained = await Promise.race([drain, sleep(quietMs).then(() => false)]);
    if (!drained) break;
  }
  return written;
}

describe("model gateway: the step's budget of buffered request bodies", () => {
  it('refuses what would go over it, counted as bytes arrive, across gateways; logs it; gives it back', async () => {
    const up = await modelUpstream();
    const log = memoryLog();
    const budget = createBodyBudget(1 * MiB);
    const anthropic = await gateway('anthropic', up.port, log, budget);
    const openai = await gateway('openai', up.port, log, budget);

    // A chunked body holds 600 KiB and stays open.
    const first = post(anthropic, '/v1/messages', { 'transfer-encoding': 'chunked' });
    first.req.write(jsonStart(600 * KiB));
    await until('600 KiB held', () => budget.held() === 600 * KiB);

    // Another, on another gateway of the same step, goes over the budget while it arrives.
    const second = post(openai, '/v1/chat/completions', { 'transfer-encoding': 'chunked' });
    second.req.write(jsonStart(300 * KiB));
    await until('300 KiB more held', () => budget.held() === 900 * KiB);
    second.req.write('x'.repeat(300 * KiB));
    // What it had is given back at once; the rest of its body is read and dropped, then it has its answer.
    await until('the refused body given back', () => budget.held() === 600 * KiB);
    second.req.end('"}');
    const refused = await within(second.answer, 5000, 'the second request refused');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['x-wave-egress-reason'], 'body_budget');
    assert.equal(refused.headers['retry-after'], '1');
    // In the provider's own error shape, so the CLI reports (and retries) it like a busy provider.
    assert.equal((JSON.parse(refused.body) as { error: { type: string } }).error.type, 'server_error');
    assert.equal(budget.held(), 600 * KiB);

    // A declared length that does not fit is refused before a byte of it is sent (the client waits for 100).
    const declared = post(anthropic, '/v1/messages', { 'content-length': String(500 * KiB), expect: '100-continue' });
    declared.req.on('continue', () => declared.req.end(`${jsonStart(500 * KiB - 1)}}`));
    declared.req.flushHeaders();
    assert.equal((await within(declared.answer, 5000, 'the declared request refused')).status, 503);

    // A body larger than the whole budget could never fit: 413, not a 503 to retry.
    const huge = post(anthropic, '/v1/messages', { 'content-length': String(2 * MiB) });
    huge.req.flushHeaders();
    assert.equal((await within(huge.answer, 5000, 'the huge request refused')).status, 413);

    // The first one completes; every byte is given back once it is sent upstream.
    first.req.end('}');
    assert.equal((await within(first.answer, 5000, 'the first request')).status, 200);
    await until('the budget empty', () => budget.held() === 0);
    assert.deepEqual(up.sizes, [600 * KiB + 1]);

    const budgetLog = log.records.filter((r) => r.reason === 'body_budget');
    assert.equal(budgetLog.length, 2, JSON.stringify(log.records));
    const shown = budgetLog.map((r) => [r.provider, r.status, r.allowed]);
    assert.deepEqual(shown, [
      ['openai', 503, false],
      ['anthropic', 503, false],
    ]);
    assert.match(budgetLog[0]?.detail ?? '', /may hold 1048576 bytes .* other requests held 614400, and this one had/);
    assert.match(budgetLog[1]?.detail ?? '', /this one declares 512000$/);
  });

  it('gives a body back when the step abandons it, and once it is sent while the answer still streams', async () => {
    let answering: ServerResponse | undefined;
    const up = await httpServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        answering = res;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ping\n\n');
      });
    });
    cleanups.push(() => {
      answering?.destroy();
      return up.close();
    });
    const budget = createBodyBudget(1 * MiB);
    const socket = await gateway('anthropic', up.port, memoryLog(), budget);

    const abandoned = post(socket, '/v1/messages', { 'transfer-encoding': 'chunked' });
    abandoned.req.write(jsonStart(700 * KiB));
    await until('700 KiB held', () => budget.held() === 700 * KiB);
    abandoned.req.destroy();
    await until('given back on abort', () => budget.held() === 0);

    const streaming = post(socket, '/v1/messages', { 'content-length': String(900 * KiB) });
    streaming.req.end(`${jsonStart(900 * KiB - 1)}}`);
    await within(new Promise((resolve) => streaming.req.once('response', resolve)), 5000, 'the answer starts');
    await until('given back while the answer streams', () => budget.held() === 0);
  });
});

describe('what streams is never held whole', () => {
  it('the gateway: an answer the step does not read stops the upstream instead of filling the host', async () => {
    let upstreamWrote = 0;
    const total = 128 * MiB;
    const up = await httpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void writeUntilStalled(res, total).then((w) => {
        upstreamWrote = w;
        res.destroy();
      });
    });
    cleanups.push(() => up.close());
    const socketPath = await gateway('anthropic', up.port, memoryLog(), createBodyBudget(1 * MiB));
    // The step takes the headers, then reads nothing.
    const headers = new Promise<void>((resolve, reject) => {
      const headers = { 'content-type': 'application/json' };
      const req = request({ socketPath, path: '/v1/messages', method: 'POST', headers });
      req.on('response', (res: IncomingMessage) => {
        res.pause();
        resolve();
      });
      req.on('error', reject);
      cleanups.push(() => req.destroy());
      req.end('{}');
    });
    await within(headers, 5000, 'headers');
    await until('the upstream stalled', () => upstreamWrote > 0, 30_000);
    // Kernel socket buffers on both hops (a few MiB on loopback) and stream high-water marks: far below the answer.
    assert.ok(upstreamWrote < total / 4, `the upstream wrote ${upstreamWrote} bytes the step never read`);
  });

  it('the proxy: a request body the upstream does not read stops the step instead of filling the host', async () => {
    const up = await httpServer((req) => req.pause());
    cleanups.push(() => up.close());
    const allow = [`api.wave.test:${up.port}`];
    const { policy } = compilePolicy({ mode: 'allowlist', allow, hosts: { 'api.wave.test': '127.0.0.1' } });
    const socketPath = join(dir.path, `m${n++}.sock`);
    const p = await startEgressProxy({ socketPath, policy, log: memoryLog(), step: 'm', connect: countingConnect() });
    cleanups.push(() => p.close());
    const url = `http://api.wave.test:${up.port}/upload`;
    const req = request({ socketPath, path: url, method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    req.on('error', () => undefined);
    cleanups.push(() => req.destroy());
    const total = 128 * MiB;
    const stepWrote = await writeUntilStalled(req, total);
    assert.ok(stepWrote < total / 4, `the step pushed ${stepWrote} bytes the upstream never read`);
  });
});
