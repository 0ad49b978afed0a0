// A fuzz run against the request parsing of the two servers a step talks to, the egress proxy and the model
// gateway, through their real servers on Unix sockets. Each generated connection carries one to three requests
// with framing variants (bodies on bodyless methods, Transfer-Encoding and Content-Length conflicts and lists,
// obs-fold, Connection naming end-to-end headers, bodies that hold a whole request), sent at once (pipelined) or
// after the first response (keep-alive). The invariant: the upstream never parses more requests than the server
// logged as forwarded, never one hidden in a body; the proxy's upstream connections carry one request each, and
// no body that reaches the model's upstream carries the real key. Bounded: CASES cases or BUDGET_MS per server.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startModelGateway } from '../../../../src/sandbox/egress/gateway.js';
import { compilePolicy } from '../../../../src/sandbox/egress/policy.js';
import { PROVIDERS } from '../../../../src/sandbox/egress/providers.js';
import { startEgressProxy } from '../../../../src/sandbox/egress/proxy.js';
import { httpServer, memoryLog, tempDir } from './helpers.js';

const CASES = 200;
const BUDGET_MS = 5_000;
const KEY = 'sk-real-fuzz-key-4242';
const dir = tempDir();
after(() => dir.remove());

const JSON_BODY = '{"model":"m","max_tokens":1,"messages":[]}';
const CRLF = '\r\n';
const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
const TE = 'Transfer-Encoding';
const CL = 'Content-Length';
/** Framing headers; `{n}` is the body's length. */
const FRAMES: string[][] = [
  [],
  [`${CL}: 0`],
  [`${CL}: {n}`],
  [`${CL}: 2`],
  [`${TE}: chunked`],
  [`${TE}: identity, chunked`],
  [`${TE}: chunked, identity`],
  [`${TE}: xchunked`],
  [`${TE}: chunked`, `${CL}: {n}`],
  [`${CL}: {n}`, `${TE}: chunked`],
  [`${CL}: {n}`, `${CL}: {n}`],
  [`${CL}: 2`, `${CL}: {n}`],
  [`${CL}: +{n}`],
  ['Connection: content-length', `${CL}: {n}`],
  ['Connection: transfer-encoding', `${TE}: chunked`],
  [`${TE}: chunked`, `${TE}: chunked`],
  [`${TE} : chunked`],
  [`${TE}:\tchunked`],
  ['X-Fold: a', ` ${TE}: chunked`],
  [`${CL}:`, ' {n}'],
  ['Connection: close', `${CL}: {n}`],
  ['Connection: upgrade', 'Upgrade: h2c'],
  ['Expect: 100-continue', `${CL}: {n}`],
];
const METHODS = ['GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'OPTIONS'];

/** A deterministic generator, so that a failure names a case that can be replayed. */
function random(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
}

interface Target {
  /** Request line and headers for a method. */
  head(method: string, pick: (n: number) => number): string[];
  /** A whole request that a body may carry (its path contains /smuggled). */
  hidden: string;
  /** A request the server forwards, so that sequences mix forwarded and refused requests. */
  legit: string;
  socketPath: string;
  /** Requests the server logged as forwarded so far. */
  forwarded(): number;
}

function generate(target: Target, pick: (n: number) => number): { first: string; rest: string } {
  const message = () => {
    if (pick(3) === 0) return target.legit;
    const method = METHODS[pick(METHODS.length)] as string;
    const { hidden } = target;
    const bodies = [JSON_BODY, hidden, chunked(JSON_BODY), chunked(hidden), JSON_BODY + hidden, ''];
    const body = bodies[pick(bodies.length)] as string;
    const length = String(Buffer.byteLength(body));
    const frame = (FRAMES[pick(FRAMES.length)] as string[]).map((h) => h.replace('{n}', length));
    return [...target.head(method, pick), ...frame, '', body].join(CRLF);
  };
  const messages = Array.from({ length: 1 + pick(3) }, message);
  // Half the connections send everything at once; the others wait for the first response (keep-alive).
  if (pick(2) === 0) return { first: messages.join(''), rest: '' };
  return { first: messages[0] as string, rest: messages.slice(1).join('') };
}

/** One connection: `first`, then `rest` once something came back; ends when the server closes or goes quiet. */
function exchange(socketPath: string, first: string, rest: string): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = connect(socketPath, () => s.write(first));
    let restSent = rest === '';
    const done = () => {
      s.destroy();
      resolve();
    };
    s.on('data', () => {
      if (restSent) return;
      restSent = true;
      if (s.writable) s.write(rest);
    });
    s.on('error', done);
    s.on('close', done);
    s.setTimeout(150, done);
  });
}

/** The upstream: records every request it parses, and how many each of its connections carried. */
async function upstream() {
  const seen: Array<{ url: string; host: string; body: string }> = [];
  const perConnection = new Map<Socket, number>();
  const server = await httpServer((req, res) => {
    perConnection.set(req.socket, (perConnection.get(req.socket) ?? 0) + 1);
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', host: req.headers.host ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"up":${seen.length}}`);
    });
  });
  return { server, seen, maxPerConnection: () => Math.max(0, ...perConnection.values()) };
}

/** Runs the cases, checking after each connection that the upstream parsed nothing the server did not forward. */
async function fuzz(target: Target, up: Awaited<ReturnType<typeof upstream>>, seed: number): Promise<number> {
  const pick = random(seed);
  const until = Date.now() + BUDGET_MS;
  let cases = 0;
  for (; cases < CASES && Date.now() < until; cases++) {
    const { first, rest } = generate(target, pick);
    await exchange(target.socketPath, first, rest);
    // A forwarded request is logged when its response closes, which the client going away ends.
    for (let i = 0; i < 50 && up.seen.length > target.forwarded(); i++) await new Promise((r) => setTimeout(r, 10));
    const what = `case ${cases} (seed ${seed}):\n${JSON.stringify(first)}\n${JSON.stringify(rest)}\n`;
    assert.ok(up.seen.length <= target.forwarded(), `${what}${up.seen.length} parsed, ${target.forwarded()} forwarded`);
    assert.ok(!up.seen.some((r) => r.url.includes('/smuggled')), `${what}a request hidden in a body went upstream`);
  }
  return cases;
}

describe('fuzz: one step request never becomes two upstream requests', () => {
  it('the egress proxy', async () => {
    const up = await upstream();
    const authority = `api.wave.test:${up.server.port}`;
    const hosts = { 'api.wave.test': '127.0.0.1' };
    const { policy } = compilePolicy({ mode: 'allowlist', allow: [authority], hosts });
    const log = memoryLog();
    const lookup = async () => {
      throw new Error('no DNS in this test');
    };
    const socketPath = join(dir.path, 'fuzz-proxy.sock');
    const proxy = await startEgressProxy({ socketPath, policy, log, step: 's', lookup });
    try {
      const target: Target = {
        head: (method, pick) => [
          `${method} http://${authority}/p HTTP/1.1`,
          `Host: ${pick(4) === 0 ? 'evil.wave.test' : authority}`,
        ],
        hidden: ['GET /smuggled HTTP/1.1', 'Host: evil.wave.test', '', ''].join(CRLF),
        legit: [`GET http://${authority}/legit HTTP/1.1`, `Host: ${authority}`, '', ''].join(CRLF),
        socketPath: proxy.socketPath,
        forwarded: () => log.records.filter((r) => r.allowed).length,
      };
      const cases = await fuzz(target, up, 11);
      assert.ok(cases >= 50, `only ${cases} cases ran`);
      assert.ok(up.seen.length > 0, 'some requests were forwarded');
      assert.ok(
        log.records.some((r) => r.reason === 'bad_framing'),
        'some requests were refused',
      );
      assert.ok(
        up.seen.every((r) => r.host === authority),
        'the upstream only ever saw the checked host',
      );
      assert.equal(up.maxPerConnection(), 1, 'every upstream connection of the proxy carries one request');
    } finally {
      await proxy.close();
      await up.server.close();
    }
  });

  it('the model gateway', async () => {
    const up = await upstream();
    const log = memoryLog();
    const gw = await startModelGateway({
      socketPath: join(dir.path, 'fuzz-gw.sock'),
      provider: PROVIDERS.anthropic,
      upstream: `http://127.0.0.1:${up.server.port}`,
      hostEnv: { ANTHROPIC_API_KEY: KEY },
      log,
      step: 's',
    });
    try {
      const headers = ['Host: 127.0.0.1:4001', 'x-api-key: placeholder', 'Content-Type: application/json'];
      const target: Target = {
        head: (method, pick) => [`${method} /v1/${pick(2) === 0 ? 'messages' : 'models'} HTTP/1.1`, ...headers],
        hidden: ['POST /v1/messages/smuggled HTTP/1.1', ...headers, `${CL}: 300`, '', ''].join(CRLF),
        legit: ['POST /v1/messages HTTP/1.1', ...headers, `${CL}: ${JSON_BODY.length}`, '', JSON_BODY].join(CRLF),
        socketPath: gw.socketPath,
        forwarded: () => log.records.filter((r) => r.allowed).length,
      };
      const cases = await fuzz(target, up, 7);
      assert.ok(cases >= 50, `only ${cases} cases ran`);
      assert.ok(up.seen.length > 0, 'some requests were forwarded');
      assert.ok(
        log.records.some((r) => r.reason === 'bad_framing'),
        'some requests were refused',
      );
      assert.ok(
        up.seen.every((r) => !r.body.includes(KEY)),
        'no body that reached the upstream carries the key',
      );
    } finally {
      await gw.close();
      await up.server.close();
    }
  });
});
