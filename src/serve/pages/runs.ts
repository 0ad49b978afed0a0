// The runs page: top-level runs, newest first, filtered by pipeline, status and age; its rows are a fragment
// the script fetches again when a run starts or ends.
import { RUN_STATUSES, type RunRecord, type RunStatus, type Store } from '../../state/index.js';
import { href, html, type SafeHtml } from '../html.js';
import { durationText } from '../run-model.js';
import { statusBadge } from './layout.js';

export const AGES: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };

export interface RunsFilter {
  pipeline?: string;
  status?: RunStatus;
  age?: string;
}

/** The filter from the query string; anything unknown is ignored as "no filter" and shown as such. */
export function runsFilter(query: Record<string, string | undefined>): RunsFilter {
  const status = RUN_STATUSES.find((s) => s === query.status);
  return {
    ...(query.pipeline ? { pipeline: query.pipeline } : {}),
    ...(status ? { status } : {}),
    ...(query.age && query.age in AGES ? { age: query.age } : {}),
  };
}

export function listFiltered(store: Store, filter: RunsFilter, now = Date.now()): RunRecord[] {
  const age = filter.age === undefined ? undefined : AGES[filter.age];
  return store.runs.list({
    topLevel: true,
    limit: 200,
    ...(filter.pipeline ? { pipeline: filter.pipeline } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(age === undefined ? {} : { createdAfter: new Date(now - age).toISOString() }),
  });
}

export function runRows(runs: readonly RunRecord[], now = Date.now()): SafeHtml {
  if (runs.length === 0)
    return html`<tr>
      <td colspan="5" class="empty">no runs</td>
    </tr>`;
  return html`${runs.map(
    (run) =>
      html`<tr data-run="${run.id}">
        <td><a href="${href('runs', run.id)}">${run.id}</a></td>
        <td>${run.pipeline}</td>
        <td>${statusBadge(run.status)}</td>
        <td>${run.createdAt.replace('T', ' ').slice(0, 19)}</td>
        <td>${durationText(run.startedAt, run.finishedAt, now)}</td>
      </tr>`,
  )}`;
}

export function runsBody(store: Store, filter: RunsFilter, query: string): SafeHtml {
  const pipelines = [...new Set(store.runs.list({ topLevel: true, limit: 500 }).map((r) => r.pipeline))].sort();
  const option = (value: string, label: string, selected: string | undefined) =>
    html`<option value="${value}" ${selected === value ? html` selected` : ''}>${label}</option>`;
  return html`<h1>Runs</h1>
    <form method="get" action="/" class="filters">
      <label
        >pipeline
        <select name="pipeline">
          ${option('', 'any', filter.pipeline ?? '')}${pipelines.map((p) => option(p, p, filter.pipeline))}
        </select></label
      >
      <label
        >status
        <select name="status">
          ${option('', 'any', filter.status ?? '')}${RUN_STATUSES.map((s) => option(s, s, filter.status))}
        </select></label
      >
      <label
        >age
        <select name="age">
          ${option('', 'any', filter.age ?? '')}${Object.keys(AGES).map((a) => option(a, `last ${a}`, filter.age))}
        </select></label
      >
      <button type="submit">filter</button>
    </form>
    <table class="runs">
      <thead>
        <tr>
          <th>run</th>
          <th>pipeline</th>
          <th>status</th>
          <th>created</th>
          <th>time</th>
        </tr>
      </thead>
      <tbody id="runs-rows" data-fragment="/fragments/runs${query}">
        ${runRows(listFiltered(store, filter))}
      </tbody>
    </table>`;
}
