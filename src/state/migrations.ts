// Versioned schema. Migrations only ever get appended: a released version's SQL never changes, because
// users' databases already ran it. Each one runs in its own IMMEDIATE transaction together with its
// schema_migrations row, so two Wave processes opening a fresh db at once cannot both apply it.
import type { Database } from 'better-sqlite3';
import { WaveError } from '../errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table others reference (SQLite cannot change a CHECK in place): foreign keys are off
   * while it runs, so dropping the old table cascades nowhere, and checked before it commits.
   */
  rebuildsTables?: boolean;
}

const STEP_STATUS_CHECK = `('pending','running','retrying','completed','failed','timed_out','cancelled','skipped')`;
const STEP_STATUS_CHECK_V5 = `('pending','running','retrying','waiting','completed','failed','timed_out','cancelled','skipped')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        pipeline      TEXT NOT NULL,
        pipeline_path TEXT NOT NULL,
        input         TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT,
        owner_host    TEXT,
        owner_pid     INTEGER,
        heartbeat_at  TEXT,
        error         TEXT,
        exit_code     INTEGER,
        options       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options))
      );
      CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_by_status_created ON runs (status, created_at DESC, id DESC);
      CREATE INDEX runs_by_owner ON runs (owner_host, status);

      CREATE TABLE steps (
        run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_id        TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ${STEP_STATUS_CHECK}),
        attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        level          INTEGER NOT NULL DEFAULT 0,
        position       INTEGER NOT NULL DEFAULT 0,
        started_at     TEXT,
        finished_at    TEXT,
        error          TEXT,
        -- Backoff chosen when the step went to retrying, recorded on the attempt that follows.
        retry_delay_ms INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, step_id)
      );

      CREATE TABLE attempts (
        run_id        TEXT NOT NULL,
        step_id       TEXT NOT NULL,
        attempt       INTEGER NOT NULL CHECK (attempt >= 1),
        status        TEXT NOT NULL CHECK (status IN ('running','completed','failed','timed_out','cancelled')),
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        exit_code     INTEGER,
        reason        TEXT,
        failure_class TEXT,
        output_tail   TEXT,
        container_id  TEXT,
        delay_ms      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, step_id, attempt),
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id) ON DELETE CASCADE
      );

      CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_id TEXT,
        attempt INTEGER,
        type    TEXT NOT NULL,
        time    TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}'
      );
      -- logs --follow reads "this run, after id N" over and over.
      CREATE INDEX events_by_run ON events (run_id, id);

      CREATE TABLE artifacts (
        run_id     TEXT NOT NULL,
        step_id    TEXT NOT NULL,
        name       TEXT NOT NULL,
        path       TEXT NOT NULL,
        size       INTEGER NOT NULL CHECK (size >= 0),
        sha256     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, step_id, name),
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id) ON DELETE CASCADE
      );

      CREATE TABLE contract_results (
        run_id         TEXT NOT NULL,
        step_id        TEXT NOT NULL,
        attempt        INTEGER NOT NULL,
        contract_index INTEGER NOT NULL,
        contract_type  TEXT NOT NULL,
        ok             INTEGER NOT NULL CHECK (ok IN (0, 1)),
        hard           INTEGER NOT NULL CHECK (hard IN (0, 1)),
        errors         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(errors)),
        PRIMARY KEY (run_id, step_id, attempt, contract_index),
        FOREIGN KEY (run_id, step_id, attempt) REFERENCES attempts (run_id, step_id, attempt) ON DELETE CASCADE
      );

      CREATE TABLE cancellations (
        run_id       TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        requested_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'reused steps (wave run --from-step)',
    sql: `
      -- The run whose completed result (and artifacts, copied) a step took over instead of running again.
      ALTER TABLE steps ADD COLUMN reused_from TEXT;
      -- --from-step looks for the newest run of a pipeline whose upstream steps all completed.
      CREATE INDEX runs_by_pipeline_created ON runs (pipeline, created_at DESC, id DESC);
    `,
  },
  {
    version: 3,
    name: 'run owner start time',
    sql: `
      -- The owner's start time (src/liveness.ts), so a pid reused after a crash is not taken for the owner.
      ALTER TABLE runs ADD COLUMN owner_start TEXT;
    `,
  },
  {
    version: 4,
    name: 'run tree (child runs of pipeline and iterate steps)',
    sql: `
      -- A child run: started by step parent_step_id of run parent_run_id, for item item_index of an iterate
      -- (NULL for a sub-pipeline run once). A top-level run has all three NULL.
      ALTER TABLE runs ADD COLUMN parent_run_id TEXT REFERENCES runs (id) ON DELETE CASCADE;
      ALTER TABLE runs ADD COLUMN parent_step_id TEXT;
      ALTER TABLE runs ADD COLUMN item_index INTEGER;
      -- A step finds its children again (resume) and status/cancel walk the tree down.
      CREATE INDEX runs_by_parent ON runs (parent_run_id, parent_step_id, item_index);
    `,
  },
  {
    version: 5,
    name: 'gates (a step waiting for an answer, and the answers)',
    rebuildsTables: true,
    sql: `
      -- steps.status gains 'waiting' (a gate step): the table is rebuilt with the wider CHECK, rows kept.
      CREATE TABLE steps_v5 (
        run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step_id        TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ${STEP_STATUS_CHECK_V5}),
        attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        level          INTEGER NOT NULL DEFAULT 0,
        position       INTEGER NOT NULL DEFAULT 0,
        started_at     TEXT,
        finished_at    TEXT,
        error          TEXT,
        retry_delay_ms INTEGER NOT NULL DEFAULT 0,
        reused_from    TEXT,
        PRIMARY KEY (run_id, step_id)
      );
      INSERT INTO steps_v5 (run_id, step_id, status, attempts, level, position, started_at, finished_at, error,
                            retry_delay_ms, reused_from)
        SELECT run_id, step_id, status, attempts, level, position, started_at, finished_at, error,
               retry_delay_ms, reused_from FROM steps;
      DROP TABLE steps;
      ALTER TABLE steps_v5 RENAME TO steps;

      -- One row per time a gate opened (round): what it asked, until when, and the answer once given (by any
      -- process: the waiting run polls this table, and a run resumed later takes an answer given meanwhile).
      CREATE TABLE gates (
        run_id     TEXT NOT NULL,
        step_id    TEXT NOT NULL,
        round      INTEGER NOT NULL CHECK (round >= 1),
        kind       TEXT NOT NULL CHECK (kind IN ('approval','timer')),
        spec       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(spec)),
        opened_at  TEXT NOT NULL,
        deadline_at TEXT,
        decided_at TEXT,
        choice     TEXT,
        label      TEXT,
        target     TEXT,
        message    TEXT,
        decided_by TEXT,
        how        TEXT CHECK (how IN ('tty','cli','auto','timeout')),
        -- The run acted on the answer (the step completed or failed with it); until then a resumed run takes it.
        taken_at   TEXT,
        PRIMARY KEY (run_id, step_id, round),
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id) ON DELETE CASCADE
      );
      CREATE INDEX gates_undecided ON gates (decided_at, run_id);
    `,
  },
  {
    version: 6,
    name: 'rejected runs (contract on_failure: rejected)',
    sql: `
      -- A run a contract rejected ends with status 'failed' and rejected = 1, which reads as the status 'rejected'
      -- (state/rows.ts): a column, because SQLite cannot widen the status CHECK without rebuilding the table.
      ALTER TABLE runs ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0, 1));
    `,
  },
  {
    version: 7,
    name: 'graph-mode visits',
    sql: `
      -- Graph mode: one row per visit of a step, in walk order (seq), written before the visit starts. outcome
      -- is set when the step ended; next (a step id or _complete), the edge taken and the deferred steps when the
      -- walk decided where to go. A resumed run continues from the last row.
      CREATE TABLE visits (
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        step_id     TEXT NOT NULL,
        visit       INTEGER NOT NULL CHECK (visit >= 1),
        outcome     TEXT CHECK (outcome IN ('success', 'failure')),
        next        TEXT,
        edge        INTEGER,
        pending     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(pending)),
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (run_id, seq),
        FOREIGN KEY (run_id, step_id) REFERENCES steps (run_id, step_id) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 10,
    name: 'bench batches and their tasks',
    sql: `
      -- One \`wave bench run\`: its dataset and options; the owner is the Wave process driving it.
      CREATE TABLE benches (
        id               TEXT PRIMARY KEY,
        dataset          TEXT NOT NULL,
        format           TEXT NOT NULL CHECK (format IN ('jsonl','harbor')),
        pipeline         TEXT NOT NULL,
        options          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
        status           TEXT NOT NULL CHECK (status IN ('running','completed','cancelled','interrupted')),
        created_at       TEXT NOT NULL,
        finished_at      TEXT,
        owner_host       TEXT,
        owner_pid        INTEGER,
        owner_start      TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX benches_by_created ON benches (created_at DESC, id DESC);
      -- A task of a bench: its run (the agent's work) and the evaluation's verdict. status 'done' is final; a
      -- task left 'running' by a process that died runs again, with a new run.
      CREATE TABLE bench_tasks (
        bench_id      TEXT NOT NULL REFERENCES benches (id) ON DELETE CASCADE,
        task_id       TEXT NOT NULL,
        position      INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending','running','done')),
        run_id        TEXT REFERENCES runs (id) ON DELETE SET NULL,
        tries         INTEGER NOT NULL DEFAULT 0,
        outcome       TEXT CHECK (outcome IN ('resolved','unresolved','error')),
        failure_class TEXT,
        reason        TEXT,
        reward        REAL,
        tests         TEXT CHECK (tests IS NULL OR json_valid(tests)),
        started_at    TEXT,
        finished_at   TEXT,
        run_ms        INTEGER,
        eval_ms       INTEGER,
        PRIMARY KEY (bench_id, task_id)
      );
      CREATE INDEX bench_tasks_by_run ON bench_tasks (run_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The db was written by a newer Wave; an older one must not guess at tables it does not know. */
export class StateSchemaTooNewError extends WaveError {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super('state_incompatible', `${path}: state db schema version ${found} is newer than this Wave knows (${known})`, {
      hint: 'upgrade Wave, or point it at another project; the db was not changed',
    });
    this.name = 'StateSchemaTooNewError';
  }
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
    { version: number | null } | undefined;
  return row?.version ?? 0;
}

/** Brings the db up to the latest version; a no-op on an up-to-date db. Returns the versions applied. */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const found = schemaVersion(db);
  if (found > latest) throw new StateSchemaTooNewError(path, found, latest);

  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const appliedRow = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const isApplied = (version: number) => appliedRow.get(version) !== undefined;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const apply = db.transaction(() => {
      // Re-read inside the write lock: another process may have applied it since we looked. By version, not by
      // the highest: a db that ran a later migration first (7 before 5, landed on other branches) still gets 5.
      if (isApplied(migration.version)) return false;
      db.exec(migration.sql);
      if (migration.rebuildsTables && (db.pragma('foreign_key_check') as unknown[]).length) {
        throw new Error(`state db migration ${migration.version} left dangling references`);
      }
      record.run(migration.version, migration.name, new Date().toISOString());
      return true;
    });
    // The pragma is a no-op inside a transaction, so it is switched around it.
    const keys = db.pragma('foreign_keys', { simple: true });
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      if (apply.immediate()) applied.push(migration.version);
    } finally {
      if (migration.rebuildsTables) db.pragma(`foreign_keys = ${keys ? 'ON' : 'OFF'}`);
    }
  }
  return applied;
}
