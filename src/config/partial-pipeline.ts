// A pipeline with problems is still checked as a whole, so `wave validate` lists everything in one go instead of
// one layer per round. Each step that is fine stays as it is; a step with problems of its own is kept as what
// the graph needs - its id, dependencies and output names - so that the others' dependencies, cycles and
// templates are still checked, without follow-on errors from the broken step's other fields. A step whose
// schema errors sit in parts that stand alone (a contract, retry, sandbox) still has the rest of it checked.

import path from 'node:path';
import { isError, type Problem } from './problems.js';
import type { SchemaCheckResult } from './schema-check.js';
import type { DocPath, OutputArtifact, Pipeline, Step } from './types.js';

type StepNormaliser = (raw: unknown, at: DocPath) => Step;

export function normaliseTolerantly(
  value: unknown,
  file: string,
  schema: SchemaCheckResult,
  problems: Problem[],
  normalise: StepNormaliser,
): Pipeline {
  const raw = (value ?? {}) as Record<string, unknown>;
  // Nothing is checked step by step in a file that is not a pipeline, or whose step list itself is wrong.
  const whole = schema.errorPaths.some((p) => p.length === 0 || (p[0] === 'steps' && p.length === 1));
  const steps = Array.isArray(raw.steps) && !whole ? raw.steps : [];
  const broken = byStep(schema.errorPaths);
  // A step of a kind Wave does not run yet (pipeline:, gate: …) has no exec by design: its one error says so.
  const otherKind = new Set(byStep(schema.unsupportedPaths.filter((p) => p.length === 3)).keys());
  const name = (raw.metadata as { name?: unknown } | undefined)?.name;
  const fallbackName = path.basename(file, path.extname(file));
  return {
    ...(raw as Omit<Pipeline, 'steps' | 'metadata'>),
    kind: 'WavePipeline',
    metadata: { ...(raw.metadata as object), name: typeof name === 'string' ? name : fallbackName },
    steps: steps.map((step: unknown, i) => {
      if (otherKind.has(i) && !hasExec(step)) return opaqueStep(step, i);
      const errors = broken.get(i);
      if (errors) {
        const pruned = withoutParts(step, errors);
        if (pruned !== undefined) normalise(pruned, ['steps', i]); // for its problems only
        return opaqueStep(step, i);
      }
      const before = problems.filter(isError).length;
      const normalised = normalise(step, ['steps', i]);
      return problems.filter(isError).length > before ? opaqueStep(step, i) : normalised;
    }),
  };
}

/** Paths under steps[i], relative to the step, by step index. */
function byStep(paths: readonly DocPath[]): Map<number, DocPath[]> {
  const out = new Map<number, DocPath[]>();
  for (const [top, index, ...rest] of paths) {
    if (top !== 'steps' || typeof index !== 'number') continue;
    out.set(index, [...(out.get(index) ?? []), rest]);
  }
  return out;
}

/**
 * The step without the parts that hold its schema errors, when each is a part that stands alone; undefined
 * when one is not (an id, the exec, the outputs: the rest would be misread without it).
 */
function withoutParts(step: unknown, errors: readonly DocPath[]): unknown {
  if (step === null || typeof step !== 'object' || errors.some((e) => e.length === 0)) return undefined;
  const copy = structuredClone(step) as Record<string, unknown>;
  for (const [key, sub, index] of errors) {
    const handover = copy.handover as Record<string, unknown> | undefined;
    if (key === 'handover' && sub === 'contracts' && typeof index === 'number' && Array.isArray(handover?.contracts)) {
      handover.contracts[index] = null;
    } else if (key === 'handover' && sub === 'contract' && handover) {
      delete handover.contract;
    } else if (key === 'retry' || key === 'sandbox' || key === 'timeout_minutes') {
      delete copy[key];
    } else {
      return undefined;
    }
  }
  return copy;
}

function hasExec(step: unknown): boolean {
  const s = (step ?? {}) as Record<string, unknown>;
  return s.exec !== undefined || s.type !== undefined || s.script !== undefined;
}

/** What the graph needs of a step whose own definition has problems: a command step that does nothing. */
function opaqueStep(raw: unknown, index: number): Step {
  const s = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const named = (o: unknown): o is { name: string; path?: unknown } =>
    typeof (o as { name?: unknown } | null)?.name === 'string';
  return {
    id: typeof s.id === 'string' ? s.id : `steps[${index}]`,
    dependencies: list(s.dependencies).filter((d): d is string => typeof d === 'string'),
    exec: { type: 'command', script: '' },
    output_artifacts: list(s.output_artifacts)
      .filter(named)
      .map((o): OutputArtifact => {
        const at = typeof o.path === 'string' ? o.path : o.name;
        return { name: o.name, path: at, type: 'text', required: true };
      }),
    handover: { contracts: [] },
  };
}
