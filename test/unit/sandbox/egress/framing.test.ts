// The framing policy shared by the model gateway and the egress proxy: the smuggling requests of the security
// review are refused before anything goes upstream (the fuzz run of both servers is in framing-fuzz.test.ts).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from 'node:net';
import { join } from 'node:path';
import { judgeFraming } from '../../../../src/sandbox/egress/framing.js';
import { startModelGateway } from '../../../../src/sandbox/egress/gateway.js';
import { PROVIDERS } from '../../../../src/sandbox/egress/providers.js';
import { httpServer, memoryLog, tempDir } from './helpers.js';

const dir = tempDir();
after(() => dir.remove());

const raw = (...lines: string[]) => lines.join('\r\n');

describe('framing policy', () => {
  it('refuses every ambiguous framing the review used, accepts plain ones', () => {
    const bad: Array<[string, string[]]> = [
      ['GET', ['Transfer-Encoding', 'chunked']],
      ['DELETE', ['Transfer-Encoding', 'chunked']],
      ['GET', ['Content-Length', '5']],
      ['POST', ['Transfer-Encoding', 'identity, chunked']],
      ['POST', ['Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked']],
      ['POST', ['Transfer-Encoding', 'chunked', 'Content-Length', '5']],
      ['POST', ['Content-Length', '5', 'Content-Length', '5']],
      ['POST', ['Content-Length', '+5']],
      ['POST', ['Connection', 'content-length', 'Content-Length', '5']],
      ['GET', ['Connection', 'upgrade', 'Upgrade', 'h2c']],
      ['GET', ['Host', 'a', 'Host', 'b']],
    ];
    for (const [method, headers] of bad)
      assert.equal(judgeFraming(method, '1.1', headers).ok, false, `${method} ${headers.join(' ')}`);
    assert.equal(judgeFraming('POST', '1.0', ['Transfer-Encoding', 'chunked']).ok, false);
    assert.deepEqual(judgeFraming('POST', '1.1', ['Content-Length', '5']), {
      ok: true,
      body: { kind: 'length', length: 5 },
    });
    assert.deepEqual(judgeFraming('POST', '1.1', ['Transfer-Encoding', 'Chunked']), {
      ok: true,
      body: { kind: 'chunked' },
    });
    assert.deepEqual(judgeFraming('GET', '1.1', ['Connection', 'keep-alive', 'Content-Length', '0']), {
      ok: true,
      body: { kind: 'none' },
    });
  });
});

describe('model gateway framing, attacked', () => {
  async function setup() {
    const seen: string[] = [];
    const up = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} key=${req.headers['x-api-key'] ?? ''} body=${body}`);
        res.end('{}');
      });
    });
    const log = memoryLog();
    const gw = await startModelGateway({
      socketPath: join(dir.path, `g${Math.random().toString(36).slice(2, 8)}.sock`),
      provider: PROVIDERS.anthropic,
      upstream: `http://127.0.0.1:${up.port}`,
      hostEnv: { ANTHROPIC_API_KEY: 'sk-real-key-123456' },
      log,
      step: 's',
    });
    return {
      seen,
      log,
      gw,
      close: async () => {
        await gw.close();
        await up.close();
      },
    };
  }

  /** Sends raw bytes on one connection; resolves with the whole reply when the gateway closes or goes quiet. */
  function send(socketPath: string, bytes: string): Promise<string> {
    return new Promise((resolve) => {
      let reply = '';
      const s = connect(socketPath, () => s.write(bytes));
      const done = () => {
        s.destroy();
        resolve(reply);
      };
      s.on('data', (d: Buffer) => {
        reply += d.toString();
      });
      s.on('error', done);
      s.on('close', done);
      s.setTimeout(400, done);
    });
  }

  it('the key-stealing request (chunked body on a GET smuggling a second request) is refused, nothing goes upstream', async () => {
    const { seen, log, gw, close } = await setup();
    const smuggled = raw(
      'POST /v1/messages HTTP/1.1',
      'Host: x',
      'Content-Type: application/json',
      'Content-Length: 400',
      '',
      '',
    );
    const attack = raw(
      'GET /v1/models HTTP/1.1',
      'Host: x',
      'Transfer-Encoding: chunked',
      '',
      `${smuggled.length.toString(16)}`,
      smuggled,
      '0',
      '',
      '',
    );
    const reply = await send(
      gw.socketPath,
      attack +
        raw('POST /v1/messages HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 2', '', '{}'),
    );
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /bad_framing/);
    assert.deepEqual(seen, []);
    assert.ok(log.records.some((r) => r.reason === 'bad_framing'));
    await close();
  });
});
