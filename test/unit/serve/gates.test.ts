// The dashboard's gate hook at the HTTP layer: the run page shows the gate a run waits at with its choices, and
// its approve/reject buttons answer it through the service `wave gate` uses, behind the session and CSRF rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../../src/serve/app.js';
import { AccessPolicy, CSRF_HEADER } from '../../../src/serve/auth.js';
import { EventFeed } from '../../../src/serve/feed.js';
import { gateHooks } from '../../../src/serve/gates.js';
import { dashboardProject, writePipeline } from '../../support/dashboard-store.js';

const TOKEN = 'the-test-token-0123456789';
const HOST = '127.0.0.1:8080';
const ORIGIN = `http://${HOST}`;

function setup() {
  const project = dashboardProject();
  const { store } = project;
  const pipelinePath = writePipeline(project.dir, 'demo', { review: [] });
  const run = store.runs.create({
    pipeline: 'demo',
    pipelinePath,
    input: 'x',
    steps: [{ stepId: 'review', level: 0, position: 0 }],
  });
  store.runs.start(run.id);
  const choices = [
    { key: 'ship', label: 'Ship <it>' },
    { key: 'hold', label: 'Hold' },
  ];
  store.gates.open(
    run.id,
    'review',
    { kind: 'approval', message: 'Ship the build?', choices, default: 'hold' },
    60_000,
  );
  const policy = new AccessPolicy({ bind: '127.0.0.1', token: TOKEN });
  policy.listeningOn(8080);
  const app = createApp({
    store,
    feed: new EventFeed(store),
    policy,
    projectDir: project.dir,
    resume: () => Promise.resolve(undefined),
    gates: gateHooks,
  });
  const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`${ORIGIN}${path}`, { ...init, headers: { host: HOST, ...init.headers } });
  return { store, run, request };
}

async function login(request: ReturnType<typeof setup>['request']) {
  const answer = await request(`/?token=${TOKEN}`);
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await (await request('/', { headers: { cookie } })).text();
  const csrf = /name="wave-csrf" content="([^"]+)"/.exec(page)?.[1] ?? '';
  return { cookie, csrf };
}

describe('serve: gates', () => {
  it('the run page shows the waiting gate with its choices (escaped), the default selected', async () => {
    const { request, run } = setup();
    const page = await (await request(`/runs/${run.id}`)).text();
    assert.match(page, /<section class="gates" id="gates">/);
    assert.match(page, /Ship the build\?/);
    assert.match(page, /<option value="ship" >Ship &#60;it&#62;<\/option>/);
    assert.match(page, /<option value="hold" selected>Hold<\/option>/);
    assert.match(page, new RegExp(`data-action="/runs/${run.id}/gates/review/approve"`));
    assert.match(page, new RegExp(`data-action="/runs/${run.id}/gates/review/reject"`));
  });

  it('approve with a choice and a message answers the gate; without CSRF it is refused', async () => {
    const { request, run, store } = setup();
    const { cookie, csrf } = await login(request);
    const path = `/runs/${run.id}/gates/review/approve`;
    const body = new URLSearchParams({ choice: 'ship', message: 'looks good' });
    const refused = await request(path, { method: 'POST', body, headers: { cookie, origin: ORIGIN } });
    assert.equal(refused.status, 403);
    assert.equal(store.gates.latest(run.id, 'review')?.answer, undefined);
    const headers = { cookie, origin: ORIGIN, [CSRF_HEADER]: csrf };
    const ok = await request(path, { method: 'POST', body, headers });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { message: string }).message, /'ship'/);
    const answer = store.gates.latest(run.id, 'review')?.answer;
    assert.equal(answer?.choice, 'ship');
    assert.equal(answer?.message, 'looks good');
    assert.match(answer?.by ?? '', /\(wave serve\)$/);
    const again = await request(path, { method: 'POST', body, headers });
    assert.equal(again.status, 409, 'the first answer stands');
  });

  it('reject answers with the message; an unknown choice is refused with the choices', async () => {
    const { request, run, store } = setup();
    const { cookie, csrf } = await login(request);
    const headers = { cookie, origin: ORIGIN, [CSRF_HEADER]: csrf };
    const wrong = await request(`/runs/${run.id}/gates/review/approve`, {
      method: 'POST',
      body: new URLSearchParams({ choice: 'nope' }),
      headers,
    });
    assert.equal(wrong.status, 409);
    assert.match(((await wrong.json()) as { error: string }).error, /choices: ship, hold/);
    const rejected = await request(`/runs/${run.id}/gates/review/reject`, {
      method: 'POST',
      body: new URLSearchParams({ message: 'not now' }),
      headers,
    });
    assert.equal(rejected.status, 200);
    const answer = store.gates.latest(run.id, 'review')?.answer;
    assert.equal(answer?.choice, 'reject');
    assert.equal(answer?.message, 'not now');
  });
});
