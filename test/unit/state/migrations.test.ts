import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, StateSchemaTooNewError, Store } from '../../../src/state/index.js';
import { migrate, MIGRATIONS } from '../../../src/state/migrations.js';
import { tempDbPath } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

function tables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[])
      .map((row) => row.name)
      .filter((name) => !name.startsWith('sqlite_'));
  } finally {
    db.close();
  }
}

describe('migrations', () => {
  it('creates the parent directory and every table on a fresh db', () => {
    const path = tempDbPath();
    new Store(path).close();
    assert.ok(existsSync(path));
    assert.deepEqual(tables(path), [
      'artifacts',
      'attempts',
      'bench_tasks',
      'benches',
      'cancellations',
      'contract_results',
      'events',
      'gates',
      'runs',
      'schema_migrations',
      'steps',
      'visits',
    ]);
  });

  it('leaves the db in WAL mode (foreign keys: see the runs.delete cascade test)', () => {
    const path = tempDbPath();
    const store = new Store(path);
    store.close();
    const db = new Database(path);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('is idempotent: re-opening and re-migrating applies nothing', () => {
    const path = tempDbPath();
    new Store(path).close();
    new Store(path).close();
    const db = new Database(path);
    try {
      assert.deepEqual(migrate(db, path), []);
      const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
      assert.equal(rows.length, MIGRATIONS.length);
      assert.equal(Math.max(...rows.map((r) => r.version)), LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('migration 5 rebuilds steps with the waiting status, keeping rows and the references to them', () => {
    const path = tempDbPath();
    new Store(path).close();
    const db = new Database(path);
    try {
      db.exec('DROP TABLE bench_tasks; DROP TABLE benches; DROP TABLE gates; DROP TABLE visits;');
      db.exec('DROP TABLE contract_results; DROP TABLE artifacts;');
      db.exec('DROP TABLE attempts;');
      db.exec(
        'DROP TABLE events; DROP TABLE cancellations; DROP TABLE steps; DROP TABLE runs; DROP TABLE schema_migrations',
      );
      db.pragma('foreign_keys = ON');
      migrate(
        db,
        path,
        MIGRATIONS.filter((m) => m.version < 5),
      );
      db.exec(`INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at)
               VALUES ('r', 'p', 'p.yaml', '', 'running', '2025-01-01T00:00:00.000Z');
               INSERT INTO steps (run_id, step_id, status, attempts) VALUES ('r', 'a', 'running', 1);
               INSERT INTO attempts (run_id, step_id, attempt, status, started_at)
               VALUES ('r', 'a', 1, 'running', '2025-01-01T00:00:00.000Z')`);
      assert.deepEqual(migrate(db, path), [5, 6, 7, 10]);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again');
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM attempts').get() as { n: number }).n, 1, 'attempts kept');
      db.prepare(`UPDATE steps SET status = 'waiting' WHERE step_id = 'a'`).run();
      db.prepare(`DELETE FROM runs WHERE id = 'r'`).run();
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM attempts').get() as { n: number }).n, 0, 'cascade holds');
    } finally {
      db.close();
    }
  });

  it('a db that ran a later migration first (7, on main) still gets 5: by version, not the highest', () => {
    const path = tempDbPath();
    new Store(path).close();
    const db = new Database(path);
    try {
      db.exec('DROP TABLE bench_tasks; DROP TABLE benches; DROP TABLE gates; DROP TABLE visits;');
      db.exec('DROP TABLE contract_results; DROP TABLE artifacts;');
      db.exec('DROP TABLE attempts; DROP TABLE events; DROP TABLE cancellations; DROP TABLE steps; DROP TABLE runs;');
      db.exec('DROP TABLE schema_migrations');
      db.pragma('foreign_keys = ON');
      migrate(
        db,
        path,
        MIGRATIONS.filter((m) => m.version !== 5),
      );
      db.exec(`INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at)
               VALUES ('r', 'p', 'p.yaml', '', 'running', '2025-01-01T00:00:00.000Z');
               INSERT INTO steps (run_id, step_id, status, attempts) VALUES ('r', 'a', 'completed', 1);
               INSERT INTO visits (run_id, seq, step_id, visit, started_at)
               VALUES ('r', 1, 'a', 1, '2025-01-01T00:00:00.000Z')`);
      assert.deepEqual(migrate(db, path), [5]);
      assert.deepEqual(tables(path).includes('gates'), true);
      db.prepare(`UPDATE steps SET status = 'waiting' WHERE step_id = 'a'`).run();
      db.prepare(`DELETE FROM runs WHERE id = 'r'`).run();
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM visits').get() as { n: number }).n, 0, 'cascade holds');
    } finally {
      db.close();
    }
  });

  it('applies only the migrations a db has not seen yet', () => {
    const path = tempDbPath();
    new Store(path).close();
    const db = new Database(path);
    try {
      const next = {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'test column',
        sql: 'ALTER TABLE runs ADD COLUMN note TEXT',
      };
      assert.deepEqual(migrate(db, path, [...MIGRATIONS, next]), [next.version]);
      assert.deepEqual(migrate(db, path, [...MIGRATIONS, next]), []);
    } finally {
      db.close();
    }
  });

  it('refuses a db written by a newer Wave, without changing it', () => {
    const path = tempDbPath();
    new Store(path).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      LATEST_SCHEMA_VERSION + 5,
      'from the future',
      new Date().toISOString(),
    );
    db.close();
    assert.throws(
      () => new Store(path),
      (err: unknown) => {
        assert.ok(err instanceof StateSchemaTooNewError);
        assert.equal(err.found, LATEST_SCHEMA_VERSION + 5);
        assert.match(err.message, /newer than this Wave knows/);
        assert.match(err.hint ?? '', /upgrade Wave/);
        return true;
      },
    );
  });

  it('enforces status CHECK constraints in the schema itself', () => {
    const path = tempDbPath();
    new Store(path).close();
    const db = new Database(path);
    try {
      assert.throws(
        () =>
          db
            .prepare(`INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at) VALUES (?,?,?,?,?,?)`)
            .run('r', 'p', 'p.yaml', '', 'rejected', new Date().toISOString()),
        /CHECK constraint failed/,
      );
    } finally {
      db.close();
    }
  });
});
