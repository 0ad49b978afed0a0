// Shared by the commands that read a project's run state (status, logs, list runs, artifacts, cancel, clean).
import type { Store } from '../state/index.js';
import type { CliContext } from './context.js';
import { elapsed } from './render.js';

export async function withStore<T>(ctx: CliContext, use: (store: Store) => T | Promise<T>): Promise<T> {
  const { openStore } = await import('../engine/run-service.js');
  const store = openStore(ctx.projectDir);
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

/** "12.3s", "4m05s", or "running 12s" for an unfinished span. */
export function duration(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return '';
  const text = elapsed((end ? Date.parse(end) : now) - Date.parse(start));
  return end ? text : `running ${text}`;
}
