// One run: its state, the actions it allows, the gate panel (when gates are hooked in), the DAG and the steps
// table, and its artifacts. All of it is one fragment the script fetches again on every state change of the run.
import type { ArtifactRecord, RunRecord, Store } from '../../state/index.js';
import { dagSvg } from '../dag-svg.js';
import { href, html, type SafeHtml } from '../html.js';
import { durationText, loadRunModel, tokensText, type RunModel } from '../run-model.js';
import { statusBadge } from './layout.js';

/** What the gates feature adds to a run page (approve/reject buttons): built elsewhere, shown here. */
export type GatePanel = (store: Store, run: RunRecord) => SafeHtml;

export async function runFragment(store: Store, runId: string, gatePanel?: GatePanel): Promise<SafeHtml | undefined> {
  const model = await loadRunModel(store, runId);
  if (!model) return undefined;
  const { run } = model;
  const artifacts = store.artifacts.list(runId);
  return html`<h1>run ${run.id} ${statusBadge(run.status)}</h1>
    <p class="meta">
      pipeline <b>${run.pipeline}</b> · ${durationText(run.startedAt, run.finishedAt)}
      ${
        run.parentRunId
          ? html` · child of <a href="${href('runs', run.parentRunId)}">${run.parentRunId}</a>, step
              ${run.parentStepId}${run.itemIndex === null ? '' : ` item ${run.itemIndex}`}`
          : ''
      }
    </p>
    ${run.error ? html`<pre class="error">${run.error}</pre>` : ''} ${actions(run, artifacts)}
    ${gatePanel ? html`<section class="gates" id="gates">${gatePanel(store, run)}</section>` : ''}
    <section class="graph">
      ${dagSvg(model)}${
        model.edgesUnknown ? html`<p class="note">dependencies not shown: ${model.edgesUnknown}</p>` : ''
      }
    </section>
    ${stepsTable(model)} ${artifactList(run.id, artifacts)}`;
}

function actions(run: RunRecord, artifacts: readonly ArtifactRecord[]): SafeHtml {
  const active = run.status === 'running' || run.status === 'pending';
  const resumable = (run.status === 'failed' || run.status === 'cancelled') && run.parentRunId === null;
  const changed = artifacts.some((a) => a.name === 'changes');
  return html`<section class="actions">
    ${
      active
        ? html`<form
            method="post"
            data-action="${href('runs', run.id, 'cancel')}"
            action="${href('runs', run.id, 'cancel')}"
          >
            <button type="submit" class="danger">cancel</button>
          </form>`
        : ''
    }
    ${
      resumable
        ? html`<form
            method="post"
            data-action="${href('runs', run.id, 'resume')}"
            action="${href('runs', run.id, 'resume')}"
          >
            <button type="submit">resume</button>
          </form>`
        : ''
    }
    ${
      changed && run.status === 'completed'
        ? html`<form
            method="post"
            data-action="${href('runs', run.id, 'apply')}"
            action="${href('runs', run.id, 'apply')}"
          >
            <label>branch <input name="branch" placeholder="wave/${run.id}" /></label>
            <button type="submit">apply as a branch</button>
          </form>`
        : ''
    }
  </section>`;
}

function stepsTable(model: RunModel): SafeHtml {
  return html`<table class="steps">
    <thead>
      <tr>
        <th>step</th>
        <th>status</th>
        <th>attempts</th>
        <th>time</th>
        <th>tokens</th>
        <th>children</th>
        <th>note</th>
      </tr>
    </thead>
    <tbody>
      ${model.steps.map(
        ({ step, tokens, children }) =>
          html`<tr data-step="${step.stepId}">
            <td><a href="${href('runs', model.run.id, 'steps', step.stepId)}">${step.stepId}</a></td>
            <td data-status>${statusBadge(step.status)}</td>
            <td>${step.attempts}</td>
            <td>${durationText(step.startedAt, step.finishedAt)}</td>
            <td>${tokensText(tokens)}</td>
            <td>
              ${children.map(
                (c) =>
                  html`<a href="${href('runs', c.id)}" class="child-link"
                    >${c.itemIndex === null ? c.pipeline : `#${c.itemIndex}`}</a
                  > `,
              )}
            </td>
            <td>${step.reusedFrom ? `reused from ${step.reusedFrom}` : (step.error ?? '')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function artifactList(runId: string, artifacts: readonly ArtifactRecord[]): SafeHtml {
  if (artifacts.length === 0)
    return html`<h2>Artifacts</h2>
      <p class="empty">none yet</p>`;
  return html`<h2>Artifacts</h2>
    <ul class="artifacts">
      ${artifacts.map(
        (a) =>
          html`<li>
            <a href="${href('runs', runId, 'steps', a.stepId, 'artifacts', a.name)}">${a.stepId} / ${a.name}</a>
            <span class="size">${a.size} bytes</span>
          </li>`,
      )}
    </ul>`;
}
