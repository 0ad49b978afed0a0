// Shared set-up for state tests: a fresh db file in its own temp dir, and a pinned, steppable clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Store, type StoreOptions } from '../../../src/state/index.js';
import type { WaveEvent } from '../../../src/events/types.js';

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wave-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempDbPath(): string {
  return join(tempDir(), 'project', '.wave', 'state.db');
}

export class TestClock {
  private ms: number;
  constructor(iso = '2025-01-02T03:04:05.000Z') {
    this.ms = Date.parse(iso);
  }
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function openStore(path = tempDbPath(), options: StoreOptions = {}): Store {
  const store = new Store(path, options);
  after(() => store.close());
  return store;
}

/** A store whose delivered events are collected, with a clock the test controls. */
export function observedStore(): { store: Store; delivered: WaveEvent[]; clock: TestClock; path: string } {
  const delivered: WaveEvent[] = [];
  const clock = new TestClock();
  const path = tempDbPath();
  const store = openStore(path, { clock: clock.now, onEvent: (event) => delivered.push(event) });
  return { store, delivered, clock, path };
}

export const STEP_INFO = { persona: 'coder', adapter: 'claude', model: 'sonnet', image: 'wave/claude:test' };
