// Issue 13 findings 1 and 2, as attacks from inside a real container: request smuggling through the model gateway
// (to read the real key back from an upstream that reflects bodies) and through the egress proxy (to reach another
// virtual host of an allowlisted upstream). Each attack rides one keep-alive connection after a legitimate request
// and is followed by another one. The upstreams are loopback servers started here that record every request they
// parse: they must see exactly the legitimate request before each attack, one upstream request per step request,
// never a request hidden in a body, never the one sent behind a refused one; every refusal is in the egress log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import { httpServer, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import {
  bridgeOption,
  cleanup,
  CONTAINER_USER,
  egressTestEnv,
  runRawClient,
  type RawConnection,
  type RawReply,
} from './support.js';

const env = await egressTestEnv();
const REAL_KEY = 'sk-ant-smuggling-REAL-5b1e0d';
const JSON_BODY = '{"model":"m","max_tokens":1,"messages":[]}';
const N = JSON_BODY.length;
const TE = 'Transfer-Encoding: chunked';
/** A request: its head lines, an empty line, the body. */
const message = (head: string[], body = '') => [...head, '', body].join('\r\n');
/** A chunked body holding `text` as one chunk. */
const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;

interface Seen {
  method: string;
  url: string;
  host: string;
  key: string;
  body: string;
}

/** An upstream that answers every request it parses with the body reflected, and records it. */
async function reflector(): Promise<{ server: CountingServer; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await httpServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const key = String(req.headers['x-api-key'] ?? '');
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', key, body });
      const reply = JSON.stringify({ seq: seen.length, reflected: body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(reply);
    });
  });
  return { server, seen };
}

/** Legitimate request, the attack once its answer came, then another legitimate request, on one connection. */
function keepAliveAttack(port: number, legit: string, attack: string): RawConnection {
  return { port, send: [{ data: legit }, { data: attack + legit, after: '"seq":' }] };
}

/** The legitimate request was answered, the attack refused with 400 bad_framing, and the connection closed. */
function assertRefused(name: string, { reply, end }: RawReply): void {
  const statuses = [...reply.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '400'], `${name}: ${reply}`);
  assert.match(reply, /bad_framing/, name);
  assert.equal(end, 'closed', `${name}: the connection ends with the refusal`);
}

describe('request smuggling from a step (container)', { skip: env.skip }, () => {
  let gatewayUpstream: Awaited<ReturnType<typeof reflector>>;
  let web: Awaited<ReturnType<typeof reflector>>;
  let session: EgressSession;
  const records: EgressRecord[] = [];

  before(async () => {
    gatewayUpstream = await reflector();
    web = await reflector();
    session = await startEgressSession({
      run: 'run-smuggle',
      step: 'attack',
      egress: {
        mode: 'allowlist',
        allow: [`api.wave.test:${web.server.port}`],
        hosts: { 'api.wave.test': '127.0.0.1', 'evil.wave.test': '127.0.0.1' },
        providers: ['anthropic'],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      upstreams: { anthropic: `http://127.0.0.1:${gatewayUpstream.server.port}` },
      hostEnv: { ANTHROPIC_API_KEY: REAL_KEY },
      onRecord: (r) => records.push(r),
      lookup: async (name) => {
        throw new Error(`test resolver refuses ${name}`);
      },
      ...bridgeOption(env),
    });
  });

  after(async () => {
    await cleanup(env);
    await session?.close();
    await gatewayUpstream?.server.close();
    await web?.server.close();
  });

  it('finding 1: the model gateway never turns one request into two, and the key never comes back', async () => {
    const head = ['Host: 127.0.0.1:4001', 'x-api-key: placeholder', 'Content-Type: application/json'];
    const post = (...headers: string[]) => ['POST /v1/messages HTTP/1.1', ...head, ...headers];
    const legit = message(post(`Content-Length: ${N}`), JSON_BODY);
    // The request hidden in a body: its Content-Length swallows the step's next request, key and all.
    const hidden = message(post('Content-Length: 400'));
    const M = hidden.length;
    const attacks: Array<[string, string]> = [
      ['chunked GET', message(['GET /v1/models HTTP/1.1', ...head, TE], chunked(hidden))],
      ['chunked DELETE', message(['DELETE /v1/models HTTP/1.1', ...head, TE], chunked(hidden))],
      ['TE with CL', message(post('Content-Length: 5', TE), `0\r\n\r\n${hidden}`)],
      ['TE identity, chunked', message(post('Transfer-Encoding: identity, chunked'), chunked(JSON_BODY) + hidden)],
      ['duplicate CL', message(post(`Content-Length: ${N}`, `Content-Length: ${N + M}`), JSON_BODY + hidden)],
      ['obs-fold', message(post(`Content-Length: ${N}`, 'X-Pad: a', ` ${TE}`), JSON_BODY + hidden)],
      [
        'Connection: content-length',
        message(post('Connection: content-length', `Content-Length: ${N + M}`), JSON_BODY + hidden),
      ],
    ];
    const plan = attacks.map(([, attack]) => keepAliveAttack(4001, legit, attack));
    const replies = await runRawClient(env, session.attachment(true)!, plan);

    for (const [i, [name]] of attacks.entries()) {
      assertRefused(name, replies[i]!);
      assert.ok(!replies[i]!.reply.includes(REAL_KEY), `${name}: the real key came back to the step`);
    }
    // Exactly the legitimate request before each attack reached the upstream: nothing hidden, nothing behind.
    const seen = gatewayUpstream.seen.map((s) => `${s.method} ${s.url} ${s.body}`);
    assert.deepEqual(
      seen,
      attacks.map(() => `POST /v1/messages ${JSON_BODY}`),
    );
    assert.ok(gatewayUpstream.seen.every((s) => s.key === REAL_KEY && !s.body.includes(REAL_KEY)));
    const refusals = records.filter((r) => r.kind === 'gateway' && !r.allowed);
    assert.equal(refusals.length, attacks.length, JSON.stringify(refusals));
    assert.ok(refusals.every((r) => r.reason === 'bad_framing' && r.status === 400 && r.step === 'attack'));
  });

  it('finding 2: the egress proxy never lets a body become a second request with another Host', async () => {
    const target = `api.wave.test:${web.server.port}`;
    const to = (method: string, ...headers: string[]) => [
      `${method} http://${target}/a HTTP/1.1`,
      `Host: ${target}`,
      ...headers,
    ];
    const legit = message([`GET http://${target}/legit HTTP/1.1`, `Host: ${target}`]);
    const hidden = message(['GET /smuggled HTTP/1.1', 'Host: evil.wave.test']);
    const attacks: Array<[string, string]> = [
      ['chunked GET', message(to('GET', TE), chunked(hidden))],
      ['chunked DELETE', message(to('DELETE', TE), chunked(hidden))],
      [
        'Connection: content-length',
        message(to('POST', 'Connection: content-length', `Content-Length: ${hidden.length}`), hidden),
      ],
      ['TE identity, chunked', message(to('POST', 'Transfer-Encoding: identity, chunked'), chunked(hidden))],
      ['TE with CL', message(to('POST', 'Content-Length: 5', TE), `0\r\n\r\n${hidden}`)],
      ['duplicate CL', message(to('POST', 'Content-Length: 0', `Content-Length: ${hidden.length}`), hidden)],
      ['obs-fold', message(to('POST', 'X-Pad: a', ` ${TE}`), chunked(hidden))],
    ];
    // A chunked POST is fine: it reaches the upstream once, re-framed, with its body intact.
    const upload = message(to('POST', TE, 'Connection: close'), chunked(hidden));
    const replies = await runRawClient(env, session.attachment(true)!, [
      ...attacks.map(([, attack]) => keepAliveAttack(3128, legit, attack)),
      { port: 3128, send: [{ data: upload }] },
    ]);

    for (const [i, [name]] of attacks.entries()) assertRefused(name, replies[i]!);
    assert.match(replies[attacks.length]!.reply, /^HTTP\/1\.1 200/);
    const seen = web.seen.map((s) => `${s.method} ${s.url} ${s.host}`);
    assert.deepEqual(seen, [...attacks.map(() => `GET /legit ${target}`), `POST /a ${target}`]);
    assert.equal(web.seen.at(-1)?.body, hidden, 'the chunked body arrives whole, as a body');
    const refusals = records.filter((r) => r.kind === 'http' && !r.allowed);
    assert.equal(refusals.length, attacks.length, JSON.stringify(refusals));
    assert.ok(refusals.every((r) => r.reason === 'bad_framing' && r.status === 400));
  });
});
