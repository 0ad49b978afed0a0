// The dashboard at the HTTP layer (hono's in-process requests; nothing listens): the token and CSRF rules on a
// non-loopback bind and on loopback, the security headers, and that what a step left is shown escaped.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createApp } from '../../../src/serve/app.js';
import { AccessPolicy, CSRF_HEADER } from '../../../src/serve/auth.js';
import { EventFeed } from '../../../src/serve/feed.js';
import { stdoutLine } from '../../support/events.js';
import {
  changesRecord,
  dashboardProject,
  recordArtifact,
  STEP_INFO,
  writePipeline,
} from '../../support/dashboard-store.js';

const TOKEN = 'the-test-token-0123456789';

function setup(bind: string) {
  const project = dashboardProject();
  const { store } = project;
  const pipelinePath = writePipeline(project.dir, 'demo', { plan: [], build: ['plan'] });
  const run = store.runs.create({
    pipeline: 'demo',
    pipelinePath,
    input: 'x',
    steps: [
      { stepId: 'plan', level: 0, position: 0 },
      { stepId: 'build', level: 1, position: 0 },
    ],
  });
  const resumed: string[] = [];
  const policy = new AccessPolicy({ bind, token: TOKEN });
  policy.listeningOn(8080);
  const app = createApp({
    store,
    feed: new EventFeed(store),
    policy,
    projectDir: project.dir,
    resume: async (runId) => {
      resumed.push(runId);
      return 4242;
    },
  });
  const host = bind.includes(':') ? `[${bind}]:8080` : `${bind}:8080`;
  const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`http://${host}${path}`, { ...init, headers: { host, ...init.headers } });
  return { project, store, run, resumed, request, host };
}

/** Logs in with the token; returns the cookie and the page's CSRF token. */
async function login(request: ReturnType<typeof setup>['request']): Promise<{ cookie: string; csrf: string }> {
  const answer = await request(`/?token=${TOKEN}`);
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.get('location'), '/', 'the token leaves the address bar');
  const setCookie = answer.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const cookie = setCookie.split(';')[0] ?? '';
  const page = await (await request('/', { headers: { cookie } })).text();
  const csrf = /name="wave-csrf" content="([^"]+)"/.exec(page)?.[1];
  assert.ok(csrf, 'the page carries the CSRF token');
  return { cookie, csrf };
}

describe('serve app: access', () => {
  it('off loopback, refuses every request without the token, and a change without the CSRF check', async () => {
    const { request, run, store, resumed, host } = setup('0.0.0.0');
    store.runs.start(run.id);
    store.runs.finish(run.id, 'failed', { error: 'boom' });
    assert.equal((await request('/')).status, 401);
    assert.equal((await request(`/runs/${run.id}`)).status, 401);
    assert.equal((await request('/live')).status, 401);
    assert.equal((await request(`/runs/${run.id}/resume`, { method: 'POST' })).status, 403);
    assert.equal((await request('/?token=wrong')).status, 403);
    const { cookie, csrf } = await login(request);
    assert.equal((await request(`/runs/${run.id}`, { headers: { cookie } })).status, 200);
    const post = (headers: Record<string, string>) =>
      request(`/runs/${run.id}/resume`, { method: 'POST', headers: { cookie, ...headers } });
    const origin = `http://${host}`;
    assert.equal((await post({ origin })).status, 403, 'no CSRF header');
    assert.equal((await post({ origin: 'http://evil.example', [CSRF_HEADER]: csrf })).status, 403, 'other origin');
    assert.equal((await post({ [CSRF_HEADER]: csrf })).status, 403, 'no Origin');
    assert.deepEqual(resumed, []);
    const ok = await post({ origin, [CSRF_HEADER]: csrf });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { message: string }).message, /resuming in the background \(pid 4242\)/);
    assert.deepEqual(resumed, [run.id]);
  });

  it('on loopback, lets anyone read but refuses changes without a session; refuses a foreign Host', async () => {
    const { request, run, resumed } = setup('127.0.0.1');
    const page = await request('/');
    assert.equal(page.status, 200);
    assert.doesNotMatch(await page.text(), /wave-csrf/, 'no CSRF token without a session');
    const post = await request(`/runs/${run.id}/cancel`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:8080' },
    });
    assert.equal(post.status, 403);
    assert.match(((await post.json()) as { error: string }).error, /no session/);
    const rebound = await request('/', { headers: { host: 'attacker.example:8080' } });
    assert.equal(rebound.status, 421, 'a DNS-rebinding page is not answered');
    assert.deepEqual(resumed, []);
  });

  it('answers an action on a run that does not allow it with the reason', async () => {
    const { request, run } = setup('127.0.0.1');
    const { cookie, csrf } = await login(request);
    const answer = await request(`/runs/${run.id}/resume`, {
      method: 'POST',
      headers: { cookie, origin: 'http://127.0.0.1:8080', [CSRF_HEADER]: csrf },
    });
    assert.equal(answer.status, 409);
    assert.match(((await answer.json()) as { error: string }).error, /is pending: only a failed or cancelled run/);
    const apply = await request(`/runs/${run.id}/apply`, {
      method: 'POST',
      body: new URLSearchParams({ branch: 'wave/try' }),
      headers: {
        cookie,
        origin: 'http://127.0.0.1:8080',
        [CSRF_HEADER]: csrf,
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    assert.equal(apply.status, 409);
    assert.match(((await apply.json()) as { error: string }).error, /recorded no changes/);
  });

  it('sends a strict Content-Security-Policy and serves the script as a file', async () => {
    const { request } = setup('127.0.0.1');
    const page = await request('/');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.doesNotMatch(await page.text(), /<script>|<script [^>]*>[^<]/, 'no inline script');
    const script = await request('/static/app.js');
    assert.match(script.headers.get('content-type') ?? '', /text\/javascript/);
  });
});

describe('serve app: pages', () => {
  it('shows the DAG with edges, states, attempts and tokens, and composition children linking to their runs', async () => {
    const { request, run, store } = setup('127.0.0.1');
    store.runs.start(run.id);
    store.steps.start(run.id, 'plan', STEP_INFO);
    store.events.append({
      type: 'usage',
      runId: run.id,
      stepId: 'plan',
      attempt: 1,
      time: new Date().toISOString(),
      inputTokens: 1200,
      outputTokens: 300,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      contextWindow: 200000,
      contextPercent: 1,
    });
    for (const itemIndex of [0, 1]) {
      store.runs.create({
        pipeline: 'child',
        pipelinePath: 'c.yaml',
        input: '',
        parent: { runId: run.id, stepId: 'plan', itemIndex },
      });
    }
    const text = await (await request(`/runs/${run.id}`)).text();
    assert.match(text, /<svg[^>]*class="dag"/);
    assert.match(text, /class="node state-running"\s+data-step="plan"/);
    assert.match(text, /class="node state-pending"\s+data-step="build"/);
    assert.equal((text.match(/<polyline class="edge"/g) ?? []).length, 3, 'plan→build and plan→each item');
    assert.match(text, /attempts 1 · [\d.]+s · 1\.5k tok/);
    assert.match(text, /item 0/);
    assert.match(text, /item 1/);
    for (const child of store.runs.children(run.id)) assert.ok(text.includes(`href="/runs/${child.id}"`));
  });

  it('filters runs by pipeline, status and age', async () => {
    const { request, run, store } = setup('127.0.0.1');
    store.runs.start(run.id);
    store.runs.create({ pipeline: 'other', pipelinePath: 'o.yaml', input: '' });
    const rows = async (query: string) =>
      [...(await (await request(`/fragments/runs${query}`)).text()).matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]);
    assert.equal((await rows('')).length, 2);
    assert.deepEqual(await rows('?pipeline=demo'), [run.id]);
    assert.deepEqual(await rows('?status=running'), [run.id]);
    assert.equal((await rows('?status=completed')).length, 0);
    assert.equal((await rows('?age=1h')).length, 2);
  });

  it('renders untrusted output, names and artifacts as text', async () => {
    const { request, run, store, project } = setup('127.0.0.1');
    store.runs.start(run.id);
    store.steps.start(run.id, 'plan', STEP_INFO);
    store.events.append(stdoutLine(run.id, '<script>alert(1)</script>', 'plan'));
    const svgName = '<img src=x onerror=alert(1)>.svg';
    await recordArtifact(project, run.id, 'plan', svgName, 'evil.svg', '<svg onload="alert(1)"></svg>');
    await recordArtifact(project, run.id, 'plan', 'notes', 'notes.md', '[x](javascript:alert(1))\n<script>1</script>');
    await recordArtifact(project, run.id, 'plan', 'data', 'data.json', '{"a":[1,{"b":"<i>"}]}');
    await recordArtifact(project, run.id, 'plan', 'changes', 'changes', changesRecord());
    const step = await (await request(`/runs/${run.id}/steps/plan`)).text();
    assert.ok(step.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
    assert.ok(step.includes('&#60;img src=x onerror=alert(1)&#62;.svg'));
    assert.doesNotMatch(step, /<script>|<img /);
    const svg = await request(`/runs/${run.id}/steps/plan/artifacts/${encodeURIComponent(svgName)}`);
    assert.match(svg.headers.get('content-type') ?? '', /text\/html/, 'an .svg artifact is never served as SVG');
    assert.ok((await svg.text()).includes('&#60;svg onload=&#34;alert(1)&#34;&#62;&#60;/svg&#62;'));
    const md = await (await request(`/runs/${run.id}/steps/plan/artifacts/notes`)).text();
    assert.ok(md.includes('[x](javascript:alert(1))'), 'the refused link stays text');
    assert.ok(md.includes('&lt;script&gt;1&lt;/script&gt;'));
    const json = await (await request(`/runs/${run.id}/steps/plan/artifacts/data`)).text();
    assert.ok(json.includes('{\n  &#34;a&#34;: [\n    1,'), 'pretty-printed');
    const diff = await (await request(`/runs/${run.id}/steps/plan/artifacts/changes`)).text();
    assert.match(diff, /<div class="line add" role="row">\+ {2}const who/);
    assert.match(diff, /<div class="line del" role="row">- {2}return &#39;hello &#39; \+ name;/);
    assert.match(diff, /1 file\(s\) changed, \+2 -1/);
    writeFileSync(
      path.join(project.dir, '.wave', 'workspaces', run.id, 'plan', 'out', 'changes', 'changes.patch'),
      'x',
    );
    const changed = await request(`/runs/${run.id}/steps/plan/artifacts/changes`);
    assert.equal(changed.status, 409);
    assert.match(await changed.text(), /changed since the run recorded it/);
  });

  it('answers 404 for a run, step or artifact that does not exist', async () => {
    const { request, run } = setup('127.0.0.1');
    assert.equal((await request('/runs/nope')).status, 404);
    assert.equal((await request(`/runs/${run.id}/steps/nope`)).status, 404);
    assert.equal((await request(`/runs/${run.id}/steps/plan/artifacts/nope`)).status, 404);
  });
});
