// The server-sent events a page follows: the events after the page's cursor (so nothing between rendering the
// page and connecting is lost), then whatever the feed reads, filtered to what the page shows. `change` tells the
// page to fetch its fragments again; `output` carries one line of a step's output.
import type { SSEStreamingApi } from 'hono/streaming';
import { STATE_CHANGE_EVENT_TYPES, type WaveEvent } from '../events/types.js';
import type { Store } from '../state/index.js';
import type { EventFeed } from './feed.js';

export interface LiveScope {
  /** The run page (and its tree) or the step page; absent for the runs list. */
  runId?: string;
  stepId?: string;
  after: number;
}

const CHANGES: ReadonlySet<string> = new Set([...STATE_CHANGE_EVENT_TYPES, 'changes_recorded', 'usage']);
const RUN_LIST_CHANGES: ReadonlySet<string> = new Set(['run_started', 'run_completed', 'cancel_requested']);
const REPLAY_PAGE = 500;
const KEEPALIVE_MS = 25_000;

/** Which message an event is for this page, if any. */
export function classify(
  scope: LiveScope,
  tree: Set<string>,
  event: WaveEvent,
): { kind: 'change' | 'output'; data: string } | undefined {
  if (scope.runId === undefined) {
    return RUN_LIST_CHANGES.has(event.type) && event.parentRunId === undefined
      ? { kind: 'change', data: JSON.stringify({ type: event.type, runId: event.runId }) }
      : undefined;
  }
  if (event.parentRunId !== undefined && tree.has(event.parentRunId)) tree.add(event.runId);
  if (!tree.has(event.runId)) return undefined;
  if (scope.stepId !== undefined) {
    if (event.runId !== scope.runId || (event.stepId !== undefined && event.stepId !== scope.stepId)) return undefined;
    if (event.type === 'step_output') {
      return { kind: 'output', data: JSON.stringify({ stepId: event.stepId, line: event.line }) };
    }
  }
  if (!CHANGES.has(event.type)) return undefined;
  return { kind: 'change', data: JSON.stringify({ type: event.type, runId: event.runId, stepId: event.stepId }) };
}

export async function followLive(stream: SSEStreamingApi, store: Store, feed: EventFeed, scope: LiveScope) {
  const tree = new Set<string>();
  if (scope.runId !== undefined) {
    tree.add(scope.runId);
    for (const child of store.runs.descendants(scope.runId)) tree.add(child.id);
  }
  let lastSent = scope.after;
  let writing: Promise<void> = Promise.resolve();
  const send = (event: WaveEvent) => {
    const id = event.eventId ?? 0;
    if (id <= lastSent) return;
    lastSent = id;
    const message = classify(scope, tree, event);
    if (!message) return;
    writing = writing
      .then(() => stream.writeSSE({ event: message.kind, data: message.data, id: String(id) }))
      .catch(() => undefined); // a page that went away: its abort ends this follow
  };
  for (let page = store.events.after(lastSent, REPLAY_PAGE); page.length > 0;) {
    page.forEach(send);
    page = store.events.after(lastSent, REPLAY_PAGE);
  }
  const unsubscribe = feed.subscribe(send);
  const keepalive = setInterval(() => {
    writing = writing.then(() => stream.write(': keepalive\n\n').then(() => undefined));
  }, KEEPALIVE_MS);
  try {
    await new Promise<void>((resolve) => stream.onAbort(resolve));
  } finally {
    clearInterval(keepalive);
    unsubscribe();
  }
}
