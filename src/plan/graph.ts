// A pipeline's steps as a graph: lookups by id and transitive dependencies, shared by the DAG and reference checks.

import type { Step } from '../config/types.js';

/** A pipeline's steps indexed by id (the first step wins when ids repeat). */
export class StepGraph {
  readonly byId = new Map<string, { step: Step; index: number }>();

  constructor(readonly steps: readonly Step[]) {
    steps.forEach((step, index) => {
      if (!this.byId.has(step.id)) this.byId.set(step.id, { step, index });
    });
  }

  /** Known dependencies of a step (unknown ones are reported separately and skipped here). */
  depsOf(id: string): string[] {
    const entry = this.byId.get(id);
    if (!entry) return [];
    return entry.step.dependencies.filter((d) => d !== id && this.byId.has(d));
  }

  /** Every step `id` depends on, directly or not. Breadth-first; safe on long chains. */
  ancestorsOf(id: string): Set<string> {
    const seen = new Set<string>();
    const queue = this.depsOf(id);
    for (let i = 0; i < queue.length; i++) {
      const d = queue[i] as string;
      if (seen.has(d)) continue;
      seen.add(d);
      for (const next of this.depsOf(d)) if (!seen.has(next)) queue.push(next);
    }
    return seen;
  }
}
