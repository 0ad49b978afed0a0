// What the per-step checks of a pipeline share: the raw step as written, where problems go, and the rule for
// output paths.

import path from 'node:path';
import { isContainedRelativePath } from './paths.js';
import type { Problem } from './problems.js';
import type {
  Branch,
  CompactionConfig,
  Contract,
  DocPath,
  Iterate,
  Locator,
  Matrix,
  Mount,
  OutputArtifact,
  Step,
} from './types.js';

export interface RawStep extends Omit<
  Step,
  'exec' | 'dependencies' | 'output_artifacts' | 'handover' | 'workspace' | 'iterate' | 'matrix' | 'loop'
> {
  workspace?: Omit<NonNullable<Step['workspace']>, 'mount'> & {
    mount?: Array<Omit<Mount, 'mode'> & { mode?: Mount['mode'] }>;
  };
  exec?: { type: 'prompt' | 'command'; source?: string; source_path?: string; script?: string; image?: string };
  type?: 'command' | 'conditional';
  script?: string;
  dependencies?: string[];
  output_artifacts?: Array<Omit<OutputArtifact, 'type' | 'required'> & Partial<OutputArtifact>>;
  handover?: { contract?: Contract; contracts?: Contract[]; compaction?: CompactionConfig };
  pipeline?: string;
  input?: string;
  input_ref?: { from: string };
  config?: { inject?: string[]; extract?: string[]; env?: Record<string, string>; timeout?: string };
  iterate?: Partial<Omit<Iterate, 'item_outputs'>> & { over: string };
  branch?: Branch;
  gate?: RawGate;
  loop?: { max_iterations: number; until: string; steps?: RawStep[] };
  strategy?: RawMatrix;
}

/** `gate:` as written (the schema checked the shapes). */
export interface RawGate {
  type: 'approval' | 'timer' | 'pr_merge' | 'ci_pass';
  message?: string;
  prompt?: string;
  choices?: Array<{ key: string; label: string; target?: string }>;
  default?: string;
  timeout?: string;
  freeform?: boolean;
  auto?: boolean;
  tui_action?: string;
  pr_number?: number;
  repo?: string;
  branch?: string;
  interval?: string;
}

/** `strategy:` as written (the schema admits only type: matrix). */
export interface RawMatrix extends Partial<Omit<Matrix, 'item_outputs'>> {
  type: 'matrix';
  items_source: string;
  stacked?: boolean;
}

export interface Ctx {
  file: string;
  projectDir: string;
  locate: Locator;
  problems: Problem[];
}

export function report(ctx: Ctx, severity: Problem['severity'], message: string, at: DocPath, hint?: string): void {
  const pos = ctx.locate(at, 'value');
  ctx.problems.push({ severity, file: ctx.file, line: pos?.line, column: pos?.column, message, hint });
}

/** Why a path cannot name something a step writes into /wave/out, or undefined when it can. */
export function outPathProblem(p: string): string | undefined {
  if (!isContainedRelativePath(p)) return "must be relative to the step's out folder (no absolute path, no '..')";
  const itself = path.posix.normalize(p).replace(/\/+$/, '') === '.';
  return itself ? 'is the out folder itself: name a file or a folder inside it' : undefined;
}

export function inferArtifactType(p: string): OutputArtifact['type'] {
  const ext = path.extname(p).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return 'text';
}
