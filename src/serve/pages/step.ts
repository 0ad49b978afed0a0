// One step of a run: its attempts, contract results, tool calls, egress decisions and its output. The output
// grows line by line from the feed (the script appends text nodes, never markup); the rest is a fragment
// fetched again when the step's state changes.
import type { EventOf, EventType } from '../../events/types.js';
import type { Store } from '../../state/index.js';
import { href, html, type SafeHtml } from '../html.js';
import { durationText } from '../run-model.js';
import { artifactList } from './run.js';
import { statusBadge } from './layout.js';

/** Lines of output shown when the page opens: the newest; the CLI's `wave logs` has all of them. */
const OUTPUT_LINES = 5000;

function stepEvents<T extends EventType>(store: Store, runId: string, stepId: string, type: T): EventOf<T>[] {
  const out: EventOf<T>[] = [];
  for (const e of store.events.iterate(runId, 0, { stepId, types: [type] })) out.push(e as EventOf<T>);
  return out;
}

export function stepSummary(store: Store, runId: string, stepId: string): SafeHtml | undefined {
  const step = store.steps.get(runId, stepId);
  if (!step) return undefined;
  const attempts = store.attempts.list(runId, stepId);
  const contracts = store.contractResults.list(runId, stepId);
  const tools = stepEvents(store, runId, stepId, 'tool_call');
  const egress = stepEvents(store, runId, stepId, 'egress_decision');
  return html`<h1><a href="${href('runs', runId)}">${runId}</a> / ${stepId} ${statusBadge(step.status)}</h1>
    ${step.error ? html`<pre class="error">${step.error}</pre>` : ''}
    <h2>Attempts</h2>
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>status</th>
          <th>time</th>
          <th>exit</th>
          <th>reason</th>
        </tr>
      </thead>
      <tbody>
        ${attempts.map(
          (a) =>
            html`<tr>
              <td>${a.attempt}</td>
              <td>${statusBadge(a.status)}</td>
              <td>${durationText(a.startedAt, a.finishedAt)}</td>
              <td>${a.exitCode ?? ''}</td>
              <td>${a.reason ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Contracts</h2>
    ${
      contracts.length === 0
        ? html`<p class="empty">none</p>`
        : html`<table>
            <thead>
              <tr>
                <th>attempt</th>
                <th>contract</th>
                <th>result</th>
                <th>errors</th>
              </tr>
            </thead>
            <tbody>
              ${contracts.map(
                (c) =>
                  html`<tr>
                    <td>${c.attempt}</td>
                    <td>${c.contractType}${c.hard ? '' : ' (soft)'}</td>
                    <td>${statusBadge(c.ok ? 'passed' : 'failed')}</td>
                    <td><pre>${c.errors.join('\n')}</pre></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Tool calls</h2>
    ${
      tools.length === 0
        ? html`<p class="empty">none</p>`
        : html`<table>
            <thead>
              <tr>
                <th>attempt</th>
                <th>tool</th>
                <th>input</th>
                <th>status</th>
              </tr>
            </thead>
            <tbody>
              ${tools.map(
                (t) =>
                  html`<tr>
                    <td>${t.attempt}</td>
                    <td>${t.name}</td>
                    <td><code>${t.input}</code></td>
                    <td>${t.status}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Egress</h2>
    ${
      egress.length === 0
        ? html`<p class="empty">no requests</p>`
        : html`<table>
            <thead>
              <tr>
                <th>host</th>
                <th>port</th>
                <th>decision</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              ${egress.map(
                (e) =>
                  html`<tr>
                    <td>${e.host}</td>
                    <td>${e.port}</td>
                    <td>${statusBadge(e.allowed ? 'allowed' : 'refused')}</td>
                    <td>${e.reason}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${artifactList(runId, store.artifacts.list(runId, stepId))}`;
}

export function stepOutput(store: Store, runId: string, stepId: string): SafeHtml {
  const lines: string[] = [];
  let dropped = 0;
  for (const e of store.events.iterate(runId, 0, { stepId, types: ['step_output', 'step_output_truncated'] })) {
    if (e.type === 'step_output_truncated') lines.push(`… ${e.droppedLines} line(s) not stored …`);
    else if (e.type === 'step_output') lines.push(e.line);
    if (lines.length > OUTPUT_LINES) {
      lines.shift();
      dropped++;
    }
  }
  const note =
    dropped > 0
      ? html`<p class="note">
          the first ${dropped} line(s) are not shown: wave logs ${runId} --step ${stepId} has them
        </p>`
      : '';
  return html`${note}
    <pre class="output" id="output">${lines.map((l) => `${l}\n`)}</pre>`;
}
