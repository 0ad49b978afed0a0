// The model gateway: the real key is added on the host (never the placeholder upstream), passthrough leaves the
// client's header alone, paths map onto the configured base URL, and SSE flows event by event.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { startModelGateway, type CredentialMode } from '../../../../src/sandbox/egress/gateway.js';
import { PLACEHOLDER_KEY, PROVIDERS, type ProviderId } from '../../../../src/sandbox/egress/providers.js';
import { httpServer, memoryLog, tempDir, within } from './helpers.js';

const REAL = {
  ANTHROPIC_API_KEY: 'sk-ant-real-0123456789',
  OPENAI_API_KEY: 'sk-openai-real-9876',
  GEMINI_API_KEY: 'AIza-real-gemini-5555',
};

const dir = tempDir();
after(() => dir.remove());
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function upstreamRecorder() {
  const seen: Seen[] = [];
  const server = await httpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res
        .writeHead(200, { 'content-type': 'application/json', connection: 'x-drop', 'x-drop': '1' })
        .end('{"ok":true}');
    });
  });
  cleanups.push(() => server.close());
  return { server, seen };
}

let n = 0;
async function gateway(provider: ProviderId, upstream: string, credentials: CredentialMode = 'placeholder') {
  const log = memoryLog();
  const gw = await startModelGateway({
    socketPath: join(dir.path, `g${n++}.sock`),
    provider: PROVIDERS[provider],
    upstream,
    credentials,
    hostEnv: REAL,
    log,
    step: 's',
    run: 'r',
  });
  cleanups.push(() => gw.close());
  return { gw, log };
}

function call(
  socketPath: string,
  path: string,
  headers: Record<string, string>,
  body = '{"q":1}',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = request(
        { socketPath, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    }),
    5000,
    `gateway ${path}`,
  );
}

describe('model gateway', () => {
  it('anthropic: replaces the placeholder with the real x-api-key, drops client auth, logs without the key', async () => {
    const up = await upstreamRecorder();
    const { gw, log } = await gateway('anthropic', `http://127.0.0.1:${up.server.port}`);
    const r = await call(gw.socketPath, '/v1/messages?beta=true', {
      'x-api-key': PLACEHOLDER_KEY,
      authorization: `Bearer ${PLACEHOLDER_KEY}`,
      'anthropic-version': '2023-06-01',
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-drop'], undefined);
    const s = up.seen[0]!;
    assert.equal(s.url, '/v1/messages?beta=true');
    assert.equal(s.headers['x-api-key'], REAL.ANTHROPIC_API_KEY);
    assert.equal(s.headers.authorization, undefined);
    assert.equal(s.headers['anthropic-version'], '2023-06-01');
    assert.equal(s.headers.host, `127.0.0.1:${up.server.port}`);
    assert.equal(s.body, '{"q":1}');
    const rec = await log.waitFor(() => true);
    assert.deepEqual(
      [rec.kind, rec.provider, rec.method, rec.path, rec.status],
      ['gateway', 'anthropic', 'POST', '/v1/messages', 200],
    );
    assert.ok(rec.bytesUp === 7 && rec.bytesDown === 11, JSON.stringify(rec));
    assert.ok(!JSON.stringify(log.records).includes(REAL.ANTHROPIC_API_KEY));
    assert.deepEqual(gw.secretValues(), [REAL.ANTHROPIC_API_KEY]);
  });

  it('openai: Bearer auth, /v1 mapped onto the upstream base path, other paths 404', async () => {
    const up = await upstreamRecorder();
    const { gw } = await gateway('openai', `http://127.0.0.1:${up.server.port}/corp/openai/v1/`);
    await call(gw.socketPath, '/v1/chat/completions', { authorization: `Bearer ${PLACEHOLDER_KEY}` });
    assert.equal(up.seen[0]?.url, '/corp/openai/v1/chat/completions');
    assert.equal(up.seen[0]?.headers.authorization, `Bearer ${REAL.OPENAI_API_KEY}`);
    assert.equal((await call(gw.socketPath, '/v2/other', {})).status, 404);
    assert.equal((await call(gw.socketPath, '/v1x', {})).status, 404);
    assert.equal(up.seen.length, 1);
  });

  it('gemini: x-goog-api-key added, the placeholder ?key= removed, other parameters kept', async () => {
    const up = await upstreamRecorder();
    const { gw, log } = await gateway('gemini', `http://127.0.0.1:${up.server.port}`);
    await call(gw.socketPath, `/v1beta/models/m:streamGenerateContent?alt=sse&key=${PLACEHOLDER_KEY}`, {
      'x-goog-api-key': PLACEHOLDER_KEY,
    });
    assert.equal(up.seen[0]?.url, '/v1beta/models/m:streamGenerateContent?alt=sse');
    assert.equal(up.seen[0]?.headers['x-goog-api-key'], REAL.GEMINI_API_KEY);
    assert.equal((await log.waitFor(() => true)).path, '/v1beta/models/m:streamGenerateContent');
  });

  it('passthrough: the client header reaches the upstream untouched', async () => {
    const up = await upstreamRecorder();
    const { gw } = await gateway('anthropic', `http://127.0.0.1:${up.server.port}`, 'passthrough');
    await call(gw.socketPath, '/v1/messages', { 'x-api-key': 'client-own-key' });
    assert.equal(up.seen[0]?.headers['x-api-key'], 'client-own-key');
  });

  it('streams SSE event by event (the second event is only sent after the client saw the first)', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const up = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: one\ndata: {"n":1}\n\n');
      void released.then(() => res.end('event: two\ndata: {"n":2}\n\n'));
    });
    cleanups.push(() => up.close());
    const { gw } = await gateway('anthropic', `http://127.0.0.1:${up.port}`);
    const events = await within(
      new Promise<string[]>((resolve, reject) => {
        const got: string[] = [];
        const req = request(
          {
            socketPath: gw.socketPath,
            path: '/v1/messages',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.on('data', (c: Buffer) => {
              got.push(c.toString());
              if (got.length === 1) release(); // only now may the upstream send the rest
            });
            res.on('end', () => resolve(got));
          },
        );
        req.on('error', reject);
        req.end('{}');
      }),
      5000,
      'SSE (would time out if the gateway buffered)',
    );
    assert.match(events[0] ?? '', /event: one/);
    assert.match(events.join(''), /event: two/);
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const up = await httpServer((_req, res) => res.end());
    const port = up.port;
    await up.close();
    const { gw, log } = await gateway('anthropic', `http://127.0.0.1:${port}`);
    assert.equal((await call(gw.socketPath, '/v1/messages', {})).status, 502);
    assert.match((await log.waitFor(() => true)).error ?? '', /upstream failed/);
  });
});
