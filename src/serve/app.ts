// The dashboard's HTTP application (hono): security headers on every answer, the Host check, the `?token=`
// login, read and change rules (auth.ts), then the pages, their fragments, the live feed and the actions.
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { WaveError } from '../errors.js';
import type { Store } from '../state/index.js';
import { applyAction, cancelAction, resumeAction, type ResumeLauncher } from './actions.js';
import { AccessPolicy, CSRF_HEADER, type Session } from './auth.js';
import { CLIENT_SCRIPT } from './client-script.js';
import type { EventFeed } from './feed.js';
import { href, html, type SafeHtml } from './html.js';
import { followLive } from './live.js';
import { artifactBody } from './pages/artifact.js';
import { page } from './pages/layout.js';
import { runFragment, type GatePanel } from './pages/run.js';
import { listFiltered, runRows, runsBody, runsFilter } from './pages/runs.js';
import { stepOutput, stepSummary } from './pages/step.js';
import { STYLES } from './styles.js';

export interface AppOptions {
  store: Store;
  feed: EventFeed;
  policy: AccessPolicy;
  projectDir: string;
  resume: ResumeLauncher;
  /** The gates feature's panel and routes (approve/reject), when it is hooked in. */
  gates?: GateHooks;
}

/** What the gates feature plugs into the dashboard: its panel on the run page and its POST routes. */
export interface GateHooks {
  panel: GatePanel;
  /** Registers routes under /runs/:id/gates/…; they are behind the same session and CSRF checks as all POSTs. */
  routes: (app: Hono<Env>, store: Store) => void;
}

export type Env = { Variables: { session: Session | undefined } };

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function createApp(options: AppOptions): Hono<Env> {
  const { store, feed, policy } = options;
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });

  app.use(async (c, next) => {
    if (!policy.hostAllowed(c.req.header('host'))) return c.text('this server is not reached under that name', 421);
    const token = c.req.query('token');
    if (token !== undefined) {
      const session = policy.login(token);
      if (!session) return c.text('wrong token', 403);
      setCookie(c, policy.cookieName, session.id, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const session = policy.session(getCookie(c, policy.cookieName));
    c.set('session', session);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      if (!policy.mayRead(session)) return c.text('open the login link `wave serve` printed (…/?token=…)', 401);
      return next();
    }
    const refused = policy.refuseChange({
      session,
      origin: c.req.header('origin'),
      host: c.req.header('host'),
      csrf: c.req.header(CSRF_HEADER),
    });
    if (refused) return c.json({ error: `refused: ${refused}` }, 403);
    return next();
  });

  const render = (c: Context<Env>, title: string, body: SafeHtml, live?: string) =>
    c.html(page({ title, body, csrf: c.get('session')?.csrf, ...(live === undefined ? {} : { live }) }));
  const notFound = (c: Context<Env>, what: string) =>
    c.html(
      page({
        title: 'not found',
        body: html`<h1>not found</h1>
          <p>${what}</p>`,
      }),
      404,
    );

  app.get('/static/app.js', (c) => c.body(CLIENT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/static/app.css', (c) => c.body(STYLES, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.get('/', (c) => {
    const query = new URL(c.req.url).search;
    const live = `/live?after=${store.events.lastId()}`;
    return render(c, 'runs', runsBody(store, runsFilter(c.req.query()), query), live);
  });
  app.get('/fragments/runs', (c) => c.html(runRows(listFiltered(store, runsFilter(c.req.query()))).text));

  app.get('/runs/:run', async (c) => {
    const runId = c.req.param('run');
    const cursor = store.events.lastId();
    const fragment = await runFragment(store, runId, options.gates?.panel);
    if (!fragment) return notFound(c, `no run ${runId}`);
    // The answer to an action stays outside the fragment: the refresh the action causes must not wipe it.
    const body = html`<output class="action-result" id="action-result"></output>
      <div id="run" data-fragment="${href('runs', runId, 'fragment')}">${fragment}</div>`;
    return render(c, `run ${runId}`, body, `/live?run=${encodeURIComponent(runId)}&after=${cursor}`);
  });
  app.get('/runs/:run/fragment', async (c) => {
    const fragment = await runFragment(store, c.req.param('run'), options.gates?.panel);
    return fragment ? c.html(fragment.text) : c.text('no such run', 404);
  });

  app.get('/runs/:run/steps/:step', (c) => {
    const { run, step } = c.req.param();
    const cursor = store.events.lastId();
    const summary = stepSummary(store, run, step);
    if (!summary) return notFound(c, `no step ${step} in run ${run}`);
    const body = html`<div id="step" data-fragment="${href('runs', run, 'steps', step, 'fragment')}">${summary}</div>
      <h2>Output</h2>
      ${stepOutput(store, run, step)}`;
    const live = `/live?run=${encodeURIComponent(run)}&step=${encodeURIComponent(step)}&after=${cursor}`;
    return c.html(page({ title: `${run} / ${step}`, body, csrf: c.get('session')?.csrf, live, step }));
  });
  app.get('/runs/:run/steps/:step/fragment', (c) => {
    const { run, step } = c.req.param();
    const summary = stepSummary(store, run, step);
    return summary ? c.html(summary.text) : c.text('no such step', 404);
  });

  app.get('/runs/:run/steps/:step/artifacts/:name', async (c) => {
    const { run, step, name } = c.req.param();
    const record = store.artifacts.list(run, step).find((a) => a.name === name);
    if (!record) return notFound(c, `no artifact ${name} of step ${step} in run ${run}`);
    return render(c, `${step} / ${name}`, await artifactBody(store, record));
  });

  app.get('/live', (c) => {
    const run = c.req.query('run');
    const step = c.req.query('step');
    const after = Math.max(Number(c.req.query('after')) || 0, Number(c.req.header('last-event-id')) || 0);
    return streamSSE(c, (stream) =>
      followLive(stream, store, feed, {
        after,
        ...(run === undefined ? {} : { runId: run }),
        ...(step === undefined ? {} : { stepId: step }),
      }),
    );
  });

  const ctx = { store, projectDir: options.projectDir, resume: options.resume };
  const act =
    (handler: (runId: string, form: Record<string, unknown>) => Promise<string>) => async (c: Context<Env>) => {
      try {
        const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
        return c.json({ message: await handler(c.req.param('run') ?? '', form) });
      } catch (err) {
        if (!(err instanceof WaveError)) throw err;
        return c.json({ error: err.hint ? `${err.message} (${err.hint})` : err.message }, 409);
      }
    };
  app.post(
    '/runs/:run/cancel',
    act((runId) => cancelAction(ctx, runId)),
  );
  app.post(
    '/runs/:run/resume',
    act((runId) => resumeAction(ctx, runId)),
  );
  app.post(
    '/runs/:run/apply',
    act((runId, form) => {
      const branch = typeof form.branch === 'string' && form.branch.trim() ? form.branch.trim() : undefined;
      return applyAction(ctx, runId, branch);
    }),
  );
  options.gates?.routes(app, store);

  app.notFound((c) => notFound(c, new URL(c.req.url).pathname));
  // A user-caused problem on a page (an artifact changed since the run recorded it): said on the page, like the CLI.
  app.onError((err, c) => {
    if (!(err instanceof WaveError)) throw err;
    const body = html`<h1>cannot show this</h1>
      <p class="error">${err.message}</p>
      ${err.hint ? html`<p class="note">${err.hint}</p>` : ''}`;
    return c.html(page({ title: 'error', body }), 409);
  });
  return app;
}
