// Where a graph-mode walk goes after a visit (the original's GraphWalker): the first edge of the step whose
// condition holds (no condition: always), else, for a step without edges, its first dependent, else the end. A
// step whose dependencies have not all been visited yet waits (pending) while they run first, and a step that
// only dependencies lead to (no edge targets it) runs as soon as they have. Pure: the engine persists the result.
import { GRAPH_COMPLETE, type Step } from '../config/types.js';
import { conditionReferences, evaluateCondition, OUTCOME, parseCondition } from './condition.js';
import { dependentsOf } from './graph-mode.js';

export type VisitOutcome = 'success' | 'failure';

export interface WalkPosition {
  /** Visits so far per step. */
  counts: ReadonlyMap<string, number>;
  /** Steps an edge targeted before their dependencies were visited. */
  pending: readonly string[];
}

/** The JSON value of a `{{ steps.<id>.output.<field> }}` reference, as recorded in this run. */
export type ValueOf = (ref: string) => { ok: true; value: unknown } | { ok: false; reason: string };

export type Route =
  | { ok: true; next: string; edge?: number; condition?: string; why: string; pending: string[] }
  | { ok: false; reason: string };

export function routeAfter(
  steps: readonly Step[],
  from: Step,
  outcome: VisitOutcome,
  position: WalkPosition,
  valueOf: ValueOf,
): Route {
  const chosen = chooseTarget(steps, from, outcome, valueOf);
  if (!chosen.ok) return chosen;
  const { target, edge, condition, why } = chosen;
  const picked = { ...(edge === undefined ? {} : { edge }), ...(condition === undefined ? {} : { condition }) };
  if (target === GRAPH_COMPLETE) return { ok: true, next: GRAPH_COMPLETE, ...picked, why, pending: [] };
  const walk = new Walk(steps, position);
  const next = walk.resolve(target);
  if (!next.ok) return next;
  return { ok: true, next: next.id, ...picked, why: next.note ? `${why}; ${next.note}` : why, pending: walk.pending };
}

type Target =
  | { ok: true; target: string | undefined; edge?: number; condition?: string; why: string }
  | { ok: false; reason: string };

function chooseTarget(steps: readonly Step[], from: Step, outcome: VisitOutcome, valueOf: ValueOf): Target {
  const edges = from.edges ?? [];
  if (edges.length === 0) {
    const dependent = dependentsOf(steps, from.id)[0];
    if (dependent) return { ok: true, target: dependent.id, why: `no edges: its dependent '${dependent.id}'` };
    return { ok: true, target: undefined, why: 'no edges and no dependent' };
  }
  for (const [index, edge] of edges.entries()) {
    const condition = edge.condition?.trim() ?? '';
    if (condition === '') return { ok: true, target: edge.target, edge: index, why: `edge ${index} (no condition)` };
    const holds = conditionHolds(condition, outcome, valueOf);
    if (!holds.ok) return { ok: false, reason: `step '${from.id}' edge ${index} (${condition}): ${holds.reason}` };
    if (holds.value) {
      const why = `edge ${index}: ${condition} holds (outcome=${outcome})`;
      return { ok: true, target: edge.target, edge: index, condition, why };
    }
  }
  const tried = edges.map((e) => e.condition ?? '').join(' | ');
  return { ok: false, reason: `step '${from.id}': no edge matched (outcome=${outcome}; conditions: ${tried})` };
}

function conditionHolds(
  text: string,
  outcome: VisitOutcome,
  valueOf: ValueOf,
): { ok: true; value: boolean } | { ok: false; reason: string } {
  const parsed = parseCondition(text);
  if (!parsed.ok) return { ok: false, reason: `${parsed.message} (column ${parsed.column})` };
  const values = new Map<string, unknown>([[OUTCOME, outcome]]);
  for (const ref of conditionReferences(parsed.condition)) {
    if (values.has(ref)) continue;
    const read = valueOf(ref);
    if (!read.ok) return read;
    values.set(ref, read.value);
  }
  const evaluated = evaluateCondition(parsed.condition, (ref) => values.get(ref));
  return evaluated.ok ? { ok: true, value: evaluated.holds } : { ok: false, reason: evaluated.message };
}

/** The dependency rules of the walk, over a copy of its pending steps. */
class Walk {
  readonly pending: string[];
  private readonly byId: Map<string, Step>;
  private readonly edgeTargets: Set<string>;

  constructor(
    private readonly steps: readonly Step[],
    private readonly position: WalkPosition,
  ) {
    this.pending = [...position.pending];
    this.byId = new Map(steps.map((s) => [s.id, s]));
    this.edgeTargets = new Set(steps.flatMap((s) => (s.edges ?? []).map((e) => e.target)));
  }

  resolve(target: string | undefined): { ok: true; id: string; note?: string } | { ok: false; reason: string } {
    const gated = this.gatedReady(target);
    if (gated) {
      if (target !== undefined) this.pending.push(target);
      return { ok: true, id: gated, note: `'${gated}' first: its dependencies have all been visited` };
    }
    if (target === undefined) {
      const waiting = this.drain();
      if (waiting) return { ok: true, id: waiting, note: `'${waiting}' waited for its dependencies` };
      return { ok: true, id: GRAPH_COMPLETE, note: 'nothing left to visit' };
    }
    const step = this.byId.get(target);
    if (!step) return { ok: false, reason: `edge target '${target}' is not a step of this pipeline` };
    if (this.depsVisited(step)) {
      this.remove(target);
      return { ok: true, id: target };
    }
    if (!this.pending.includes(target)) this.pending.push(target);
    const dep = this.readyDependency(step, new Set()) ?? this.drain();
    if (dep) return { ok: true, id: dep, note: `'${target}' waits for its dependency '${dep}'` };
    return { ok: false, reason: `step '${target}' has dependencies not yet visited, and none of them can run` };
  }

  private visited(id: string): boolean {
    return (this.position.counts.get(id) ?? 0) > 0;
  }

  private depsVisited(step: Step): boolean {
    return step.dependencies.every((d) => this.visited(d));
  }

  /** A step only dependencies lead to (no edge targets it), not visited yet, whose dependencies all have been. */
  private gatedReady(target: string | undefined): string | undefined {
    return this.steps.find(
      (s) =>
        s.id !== target &&
        !this.visited(s.id) &&
        s.dependencies.length > 0 &&
        !this.pending.includes(s.id) &&
        !this.edgeTargets.has(s.id) &&
        this.depsVisited(s),
    )?.id;
  }

  private drain(): string | undefined {
    const ready = this.pending.find((id) => {
      const step = this.byId.get(id);
      return step !== undefined && this.depsVisited(step);
    });
    if (ready !== undefined) this.remove(ready);
    return ready;
  }

  private remove(id: string): void {
    const at = this.pending.indexOf(id);
    if (at >= 0) this.pending.splice(at, 1);
  }

  /** An unvisited (transitive) dependency of `step` that can run now. */
  private readyDependency(step: Step, seen: Set<string>): string | undefined {
    for (const id of step.dependencies) {
      if (this.visited(id) || seen.has(id)) continue;
      seen.add(id);
      const dep = this.byId.get(id);
      if (!dep) continue;
      if (this.depsVisited(dep)) return id;
      const deeper = this.readyDependency(dep, seen);
      if (deeper) return deeper;
    }
    return undefined;
  }
}
