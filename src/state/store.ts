// The run state store: one SQLite file per project (`.wave/state.db`), read and written through one
// repository per concern. Every state change writes its row and its event in one transaction (db.ts), so the
// events table is a complete history and can never disagree with the status columns.
import { ArtifactRepository } from './artifacts.js';
import { AttemptRepository } from './attempts.js';
import { BenchRepository } from './bench.js';
import { ContractResultRepository } from './contract-results.js';
import type { WaveEvent } from '../events/types.js';
import { StateDb, type StoreOptions } from './db.js';
import { EventLog } from './event-log.js';
import { GateRepository } from './gates.js';
import { RunRepository } from './runs.js';
import { StepRepository } from './steps.js';
import { VisitRepository } from './visits.js';

export class Store {
  readonly path: string;
  /** Runs: create, lifecycle (start, finish, abandon, resume), owners, cancel requests, lists. */
  readonly runs: RunRepository;
  /** Steps: the moves of the step machine (start, complete, fail, …) and reads. */
  readonly steps: StepRepository;
  readonly attempts: AttemptRepository;
  readonly artifacts: ArtifactRepository;
  readonly contractResults: ContractResultRepository;
  /** Gates: their rounds and answers (README: Gates). */
  readonly gates: GateRepository;
  /** Graph mode: the walk's visits, in order. */
  readonly visits: VisitRepository;
  /** The event log: events that are not state changes are appended here; all are read here. */
  readonly events: EventLog;
  /** Bench batches and their tasks (`wave bench`). */
  readonly bench: BenchRepository;
  private readonly db: StateDb;

  constructor(path: string, options: StoreOptions = {}) {
    this.db = new StateDb(path, options);
    this.path = path;
    this.runs = new RunRepository(this.db);
    this.steps = new StepRepository(this.db);
    this.attempts = new AttemptRepository(this.db);
    this.artifacts = new ArtifactRepository(this.db);
    this.contractResults = new ContractResultRepository(this.db);
    this.gates = new GateRepository(this.db);
    this.visits = new VisitRepository(this.db);
    this.events = new EventLog(this.db);
    this.bench = new BenchRepository(this.db);
  }

  /** Runs several store calls as one transaction (e.g. seeding many runs). Events are delivered after commit. */
  transaction<T>(fn: () => T): T {
    return this.db.write(fn);
  }

  /** The event with its run's place in the tree (parent run, step, item), as the events table stores it. */
  withLineage<E extends WaveEvent>(event: E): E {
    const lineage = this.db.lineageOf(event.runId);
    return lineage.parentRunId === undefined ? event : { ...event, ...lineage };
  }

  /** `wave clean`: gives the space of deleted runs back to the file system. */
  compact(): void {
    this.db.compact();
  }

  /** For tests and `wave doctor`: SQLite's own consistency check ("ok" when healthy). */
  integrityCheck(): string {
    return this.db.integrityCheck();
  }

  close(): void {
    this.db.close();
  }
}
