// The dashboard's gate hook: the run page lists the gates its run waits at, each with approve (a choice, a
// message) and reject buttons, answered through the same service as `wave gate approve|reject`.
import type { Context, Hono } from 'hono';
import { answerGate } from '../engine/gate-answer.js';
import { osUser } from '../engine/gate-step.js';
import { WaveError } from '../errors.js';
import type { GateRecord, RunRecord, Store } from '../state/index.js';
import type { Env, GateHooks } from './app.js';
import { href, html, type SafeHtml } from './html.js';

export const gateHooks: GateHooks = { panel: gatePanel, routes: gateRoutes };

function gatePanel(store: Store, run: RunRecord): SafeHtml {
  const open = store.gates
    .list(run.id)
    .filter((g) => g.answer === undefined && store.steps.get(run.id, g.stepId)?.status === 'waiting');
  if (open.length === 0) return html``;
  return html`<h2>Waiting at</h2>
    ${open.map((gate) => gateForms(run.id, gate))}`;
}

function gateForms(runId: string, gate: GateRecord): SafeHtml {
  const until = gate.deadline ? html` <span class="note">until ${gate.deadline}</span>` : '';
  const asked = html`<p>
      <b>${gate.stepId}</b> ${gate.kind === 'timer' ? '(timer)' : ''} ${gate.message ?? ''}${until}
    </p>
    ${gate.prompt ? html`<p class="note">${gate.prompt}</p>` : ''}`;
  if (gate.kind === 'timer') return html`<div class="gate">${asked}</div>`;
  const approve = href('runs', runId, 'gates', gate.stepId, 'approve');
  const reject = href('runs', runId, 'gates', gate.stepId, 'reject');
  const choices = gate.choices.length
    ? html`<label
        >choice
        <select name="choice">
          ${gate.choices.map(
            (c) => html`<option value="${c.key}" ${c.key === gate.default ? 'selected' : ''}>${c.label}</option>`,
          )}
        </select></label
      >`
    : '';
  return html`<div class="gate" data-gate="${gate.stepId}">
    ${asked}
    <form method="post" data-action="${approve}" action="${approve}">
      ${choices}
      <label>message <input name="message" /></label>
      <button type="submit">approve</button>
    </form>
    <form method="post" data-action="${reject}" action="${reject}">
      <label>message <input name="message" /></label>
      <button type="submit" class="danger">reject</button>
    </form>
  </div>`;
}

function gateRoutes(app: Hono<Env>, store: Store): void {
  const answer = (verdict: 'approve' | 'reject') => async (c: Context<Env>) => {
    const { run, step } = c.req.param() as { run: string; step: string };
    const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
    const text = (key: string) => (typeof form[key] === 'string' && form[key].trim() ? form[key].trim() : undefined);
    const choice = verdict === 'approve' ? text('choice') : undefined;
    const message = text('message');
    try {
      const resolved = answerGate(store, {
        runId: run,
        stepId: step,
        verdict,
        by: `${osUser()} (wave serve)`,
        ...(choice === undefined ? {} : { choice }),
        ...(message === undefined ? {} : { message }),
      });
      return c.json({ message: `gate ${step} of run ${run}: '${resolved.choice}'` });
    } catch (err) {
      if (!(err instanceof WaveError)) throw err;
      return c.json({ error: err.hint ? `${err.message} (${err.hint})` : err.message }, 409);
    }
  };
  app.post('/runs/:run/gates/:step/approve', answer('approve'));
  app.post('/runs/:run/gates/:step/reject', answer('reject'));
}
