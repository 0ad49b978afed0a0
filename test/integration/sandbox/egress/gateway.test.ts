// The model gateway through a real container: the upstream (a loopback server started here) receives the real
// key, while the container's environment — env, /proc/1/environ, /proc/self/environ, every readable
// /proc/*/environ — holds only the placeholder.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { PLACEHOLDER_KEY } from '../../../../src/sandbox/egress/providers.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import { httpServer, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runStep } from './support.js';

const env = await egressTestEnv();
const REAL_KEY = 'sk-ant-integration-REAL-7f3a9c';

describe('model gateway (container)', { skip: env.skip }, () => {
  let upstream: CountingServer;
  let session: EgressSession;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    upstream = await httpServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":"message","ok":true}'),
      );
    });
    session = await startEgressSession({
      run: 'run-gw',
      step: 'agent',
      egress: {
        mode: 'allowlist',
        allow: [],
        hosts: {},
        providers: ['anthropic'],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      upstreams: { anthropic: `http://127.0.0.1:${upstream.port}` },
      hostEnv: { ANTHROPIC_API_KEY: REAL_KEY },
      lookup: async (name) => {
        throw new Error(`test resolver refuses ${name}`);
      },
      ...bridgeOption(env),
    });
  });

  after(async () => {
    await cleanup(env);
    await session?.close();
    await upstream?.close();
  });

  it('adds the real key on the host; the container only ever holds the placeholder', async () => {
    const attachment = session.attachment(true)!;
    assert.equal(attachment.env.ANTHROPIC_API_KEY, PLACEHOLDER_KEY);
    assert.equal(attachment.env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:4001');
    const script = [
      'curl -sS -X POST -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -d "{}" "$ANTHROPIC_BASE_URL/v1/messages"; echo',
      'echo "--- env"; env',
      'echo "--- proc"; for f in /proc/1/environ /proc/self/environ /proc/[0-9]*/environ; do cat "$f" 2>/dev/null | tr "\\0" "\\n"; done',
    ].join('; ');
    const r = await runStep(env, attachment, ['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], '{"type":"message","ok":true}');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.['x-api-key'], REAL_KEY);
    assert.ok(r.stdout.includes(`ANTHROPIC_API_KEY=${PLACEHOLDER_KEY}`));
    // The proc section must have read something (at least this shell's own environ).
    assert.ok(r.stdout.split('--- proc')[1]?.includes(`ANTHROPIC_API_KEY=${PLACEHOLDER_KEY}`));
    assert.ok(
      !r.stdout.includes(REAL_KEY) && !r.stderr.includes(REAL_KEY),
      'the real key never appears inside the container',
    );
    assert.deepEqual(session.secretValues(), [REAL_KEY]);
  });
});
