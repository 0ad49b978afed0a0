// Loads a pipeline file: YAML with positions → JSON Schema → per-step checks → a normalised Pipeline
// (exec always set, contracts always a list, output artifact defaults applied). Graph checks (ids,
// dependencies, cycles, references between steps) live in src/plan/.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { credentialRefusal, isProviderCredential } from './credentials.js';
import { CONTAINED_PATH_HINT, PROJECT_DIR_NAME, isContainedRelativePath, resolveProjectPath } from './paths.js';
import { normaliseTolerantly } from './partial-pipeline.js';
import { findTemplateVars } from './placeholders.js';
import { type Problem, dedupeProblems, hasErrors, problemsToError, sortProblems } from './problems.js';
import { checkAgainstSchema } from './schema-check.js';
import { SANDBOX_PATHS } from './sandbox-paths.js';
import type { Contract, DocPath, Exec, LoadedPipeline, Locator, Mount, OutputArtifact, Step } from './types.js';
import { parseDuration } from './units.js';
import { parseYamlSource } from './yaml-source.js';

export interface PipelineReadOptions {
  /** The project whose `.wave/` paths the pipeline resolves against; default: inferred from the file's place. */
  projectDir?: string;
}

export interface PipelineReadResult {
  /** Present when the file has no errors. */
  loaded?: LoadedPipeline;
  /** With errors: what can still be checked (broken steps reduced to their place in the graph). */
  partial?: LoadedPipeline;
  problems: Problem[];
}

/** Reads and checks one pipeline file; every problem is returned, none thrown (except a missing file). */
export async function readPipeline(pipelinePath: string, opts: PipelineReadOptions = {}): Promise<PipelineReadResult> {
  const file = path.resolve(pipelinePath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WaveError('pipeline_not_found', `cannot read pipeline ${file}: ${(err as Error).message}`, {
      hint: 'wave list pipelines shows the pipelines Wave can find',
      cause: err,
    });
  }
  const projectDir = opts.projectDir ?? inferProjectDir(file);
  const src = parseYamlSource(file, text);
  if (hasErrors(src.problems)) return { problems: sortProblems(src.problems) };
  if (src.value === null || src.value === undefined) {
    return { problems: [{ severity: 'error', file, line: 1, column: 1, message: 'the pipeline is empty' }] };
  }
  const schema = await checkAgainstSchema('pipeline', src);
  const problems = [...src.problems, ...schema.problems];
  const ctx: Ctx = { file, projectDir, locate: src.locate, problems };
  const normalise = (raw: unknown, at: DocPath): Step => normaliseStep(raw as RawStep, at, ctx);
  const pipeline = normaliseTolerantly(src.value, file, schema, problems, normalise);
  const checkable: LoadedPipeline = { pipeline, file, projectDir, locate: src.locate, source: src.source };
  const all = sortProblems(dedupeProblems(problems));
  return hasErrors(all) ? { problems: all, partial: checkable } : { loaded: checkable, problems: all };
}

/** Loads a pipeline or throws a WaveError listing every problem. */
export async function loadPipeline(
  pipelinePath: string,
  opts: PipelineReadOptions = {},
): Promise<LoadedPipeline & { warnings: Problem[] }> {
  const { loaded, problems } = await readPipeline(pipelinePath, opts);
  if (!loaded) throw problemsToError('pipeline_invalid', problems);
  return { ...loaded, warnings: problems };
}

/** `<project>/.wave/pipelines/x.yaml` → `<project>`; anything else → the pipeline's own folder. */
export function inferProjectDir(file: string): string {
  const dir = path.dirname(file);
  if (path.basename(dir) === 'pipelines' && path.basename(path.dirname(dir)) === PROJECT_DIR_NAME) {
    return path.dirname(path.dirname(dir));
  }
  return dir;
}

// ---- normalisation and per-step checks ----

interface RawStep extends Omit<Step, 'exec' | 'dependencies' | 'output_artifacts' | 'handover' | 'workspace'> {
  workspace?: Omit<NonNullable<Step['workspace']>, 'mount'> & {
    mount?: Array<Omit<Mount, 'mode'> & { mode?: Mount['mode'] }>;
  };
  exec?: { type: 'prompt' | 'command'; source?: string; source_path?: string; script?: string; image?: string };
  type?: 'command';
  script?: string;
  dependencies?: string[];
  output_artifacts?: Array<Omit<OutputArtifact, 'type' | 'required'> & Partial<OutputArtifact>>;
  handover?: { contract?: Contract; contracts?: Contract[] };
}

interface Ctx {
  file: string;
  projectDir: string;
  locate: Locator;
  problems: Problem[];
}

function report(ctx: Ctx, severity: Problem['severity'], message: string, at: DocPath, hint?: string): void {
  const pos = ctx.locate(at, 'value');
  ctx.problems.push({ severity, file: ctx.file, line: pos?.line, column: pos?.column, message, hint });
}

function normaliseStep(raw: RawStep, at: DocPath, ctx: Ctx): Step {
  const { type: legacyType, script: legacyScript, exec: rawExec, handover, output_artifacts, ...rest } = raw;
  const exec = normaliseExec(raw, at, ctx);
  void legacyType;
  void legacyScript;
  void rawExec;

  if (exec.type === 'prompt' && raw.persona === undefined) {
    report(
      ctx,
      'error',
      `step '${raw.id}': a prompt step needs a persona`,
      [...at, 'id'],
      'add persona: <name>, or make it a command step (exec: {type: command, script: ...})',
    );
  }
  if (exec.type === 'command' && (raw.persona !== undefined || raw.model !== undefined || raw.adapter !== undefined)) {
    const keys = (['persona', 'adapter', 'model'] as const).filter((k) => raw[k] !== undefined);
    report(
      ctx,
      'warning',
      `step '${raw.id}': ${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} not used by a command step`,
      [...at, keys[0] ?? 'id'],
    );
  }
  checkStepCredentials(raw, exec, at, ctx);

  const outputs = (output_artifacts ?? []).map((o, j): OutputArtifact => {
    const where = [...at, 'output_artifacts', j];
    const wrong = outPathProblem(o.path);
    if (wrong) {
      const hint = "write it like 'report.json' (a file) or 'pages/' (a folder); it lands in /wave/out/report.json";
      report(ctx, 'error', `step '${raw.id}': output path '${o.path}' ${wrong}`, [...where, 'path'], hint);
    }
    return { name: o.name, path: o.path, type: o.type ?? inferArtifactType(o.path), required: o.required ?? true };
  });
  const seenNames = new Map<string, number>();
  outputs.forEach((o, j) => {
    if (seenNames.has(o.name)) {
      report(ctx, 'error', `step '${raw.id}': duplicate output artifact name '${o.name}'`, [
        ...at,
        'output_artifacts',
        j,
        'name',
      ]);
    }
    seenNames.set(o.name, j);
  });

  let contracts: Contract[] = [];
  let contractsAt: DocPath = [...at, 'handover', 'contracts'];
  if (handover?.contract && handover.contracts) {
    report(ctx, 'error', `step '${raw.id}': use either handover.contract or handover.contracts, not both`, [
      ...at,
      'handover',
      'contract',
    ]);
  }
  if (handover?.contracts) contracts = handover.contracts;
  else if (handover?.contract) {
    contracts = [handover.contract];
    contractsAt = [...at, 'handover', 'contract'];
  }
  contracts.forEach((c, j) => {
    // null: a contract the schema check refused (see partial-pipeline.ts); its index still places the others.
    if (c !== null) checkContract(c, handover?.contracts ? [...contractsAt, j] : contractsAt, raw.id, outputs, ctx);
  });

  checkRetry(raw, at, ctx);
  checkMounts(raw, at, ctx);
  if (raw.sandbox?.network === 'none' && raw.sandbox.allowed_domains?.length) {
    const message = `step '${raw.id}': sandbox.allowed_domains has no effect with network: none`;
    const hint = 'use network: allowlist, or drop allowed_domains';
    report(ctx, 'error', message, [...at, 'sandbox', 'allowed_domains'], hint);
  }

  const { workspace, ...others } = rest;
  const { mount, ...tree } = workspace ?? {};
  const mounts = mount?.map((m) => ({ source: m.source, target: m.target, mode: m.mode ?? 'readonly' }));
  return {
    ...others,
    ...(workspace ? { workspace: { ...tree, ...(mounts ? { mount: mounts } : {}) } } : {}),
    dependencies: raw.dependencies ?? [],
    exec,
    output_artifacts: outputs,
    handover: { contracts },
  };
}

/** Folds the original format's step-level `type: command` + `script` into `exec`, and checks the exec block. */
function normaliseExec(raw: RawStep, at: DocPath, ctx: Ctx): Exec {
  const legacy = raw.type === 'command' || raw.script !== undefined;
  if (legacy && raw.exec) {
    report(ctx, 'error', `step '${raw.id}': use either exec or the step-level type: command + script, not both`, [
      ...at,
      raw.type ? 'type' : 'script',
    ]);
  }
  if (legacy && !raw.exec) {
    if (raw.type !== 'command') {
      report(
        ctx,
        'error',
        `step '${raw.id}': script needs type: command`,
        [...at, 'script'],
        'or write exec: {type: command, script: ...}',
      );
    }
    if (raw.script === undefined || raw.script.trim() === '') {
      report(ctx, 'error', `step '${raw.id}': a command step needs a script`, [...at, 'type']);
    }
    return { type: 'command', script: raw.script ?? '' };
  }
  const e = raw.exec;
  if (!e) {
    report(
      ctx,
      'error',
      `step '${raw.id}': missing exec`,
      [...at, 'id'],
      'add exec: {type: prompt, source: "..."} or exec: {type: command, script: "..."}',
    );
    return { type: 'prompt', source: '' };
  }
  const where = [...at, 'exec'];
  if (e.type === 'command') {
    for (const k of ['source', 'source_path'] as const) {
      if (e[k] !== undefined)
        report(ctx, 'error', `step '${raw.id}': exec.${k} is for prompt steps; a command step runs exec.script`, [
          ...where,
          k,
        ]);
    }
    if (e.script === undefined || e.script.trim() === '') {
      report(ctx, 'error', `step '${raw.id}': a command step needs exec.script`, [...where, 'type']);
    }
    return { type: 'command', script: e.script ?? '', ...(e.image === undefined ? {} : { image: e.image }) };
  }
  for (const k of ['script', 'image'] as const) {
    if (e[k] !== undefined)
      report(ctx, 'error', `step '${raw.id}': exec.${k} is for command steps (exec.type: command)`, [...where, k]);
  }
  if (e.source !== undefined && e.source_path !== undefined) {
    report(ctx, 'error', `step '${raw.id}': use either exec.source or exec.source_path, not both`, [
      ...where,
      'source_path',
    ]);
  } else if (e.source === undefined && e.source_path === undefined) {
    report(
      ctx,
      'error',
      `step '${raw.id}': a prompt step needs exec.source (the prompt) or exec.source_path (a file)`,
      [...where, 'type'],
    );
  } else if (e.source !== undefined && e.source.trim() === '') {
    report(ctx, 'error', `step '${raw.id}': exec.source is empty`, [...where, 'source']);
  }
  if (e.source_path !== undefined) {
    const resolved = resolveProjectPath(e.source_path, ctx.projectDir);
    if (resolved.refused) {
      report(
        ctx,
        'error',
        `step '${raw.id}': prompt file '${e.source_path}' ${resolved.refused}`,
        [...where, 'source_path'],
        CONTAINED_PATH_HINT,
      );
    } else if (!resolved.exists) {
      report(
        ctx,
        'error',
        `step '${raw.id}': prompt file '${e.source_path}' not found (looked for ${resolved.path})`,
        [...where, 'source_path'],
        'paths are relative to the project folder (the one holding wave.yaml)',
      );
    }
  }
  return {
    type: 'prompt',
    ...(e.source === undefined ? {} : { source: e.source }),
    ...(e.source_path === undefined ? {} : { source_path: e.source_path }),
  };
}

/**
 * A command step opts in to provider keys with its own `credentials: passthrough`; a prompt step's persona decides
 * (checked against the manifest in cross-check.ts), so the key is refused on a prompt step.
 */
function checkStepCredentials(raw: RawStep, exec: Exec, at: DocPath, ctx: Ctx): void {
  if (exec.type === 'prompt' && raw.credentials !== undefined) {
    const persona = raw.persona === undefined ? 'its persona' : `persona '${raw.persona}'`;
    report(
      ctx,
      'error',
      `step '${raw.id}': credentials is decided by the persona for a prompt step`,
      [...at, 'credentials'],
      `set credentials: passthrough on ${persona} in wave.yaml, or drop it here`,
    );
  }
  if (exec.type !== 'command' || raw.credentials === 'passthrough') return;
  (raw.sandbox?.env_passthrough ?? []).forEach((variable, j) => {
    if (!isProviderCredential(variable)) return;
    const { message, hint } = credentialRefusal(variable, 'step', raw.id);
    report(ctx, 'error', message, [...at, 'sandbox', 'env_passthrough', j], hint);
  });
}

/** Why a path cannot name something a step writes into /wave/out, or undefined when it can. */
function outPathProblem(p: string): string | undefined {
  if (!isContainedRelativePath(p)) return "must be relative to the step's out folder (no absolute path, no '..')";
  const itself = path.posix.normalize(p).replace(/\/+$/, '') === '.';
  return itself ? 'is the out folder itself: name a file or a folder inside it' : undefined;
}

function inferArtifactType(p: string): OutputArtifact['type'] {
  const ext = path.extname(p).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  return 'text';
}

/** What a placeholder meant as a variable looks like (`{{ input }}`, `{{ project.test_command }}`; not `{{.Id}}`). */
const VARIABLE = /^[A-Za-z_][\w.-]*$/;

/** Contract types that check a file; test_suite checks a command's exit status instead. */
const FILE_CONTRACTS = new Set(['json_schema', 'typescript_interface', 'markdown_spec', 'format', 'non_empty_file']);

function checkContract(c: Contract, at: DocPath, stepId: string, outputs: OutputArtifact[], ctx: Ctx): void {
  const label = `step '${stepId}': ${c.type} contract`;
  const wrongSource = c.source === undefined ? undefined : outPathProblem(c.source);
  if (wrongSource) report(ctx, 'error', `${label}: source '${c.source}' ${wrongSource}`, [...at, 'source']);
  if (FILE_CONTRACTS.has(c.type) && c.source === undefined && outputs.length === 0) {
    report(ctx, 'error', `${label} has nothing to check: give it a source or declare output_artifacts`, [
      ...at,
      'type',
    ]);
  }
  if (c.type === 'json_schema') {
    if (c.schema === undefined && c.schema_path === undefined) {
      report(ctx, 'error', `${label} needs schema_path or an inline schema`, [...at, 'type']);
    } else if (c.schema !== undefined && c.schema_path !== undefined) {
      report(ctx, 'error', `${label}: use either schema or schema_path, not both`, [...at, 'schema_path']);
    }
  }
  if (c.type === 'typescript_interface' && c.schema_path === undefined) {
    report(ctx, 'error', `${label} needs schema_path (the .ts file declaring the interface)`, [...at, 'type']);
  }
  if (c.type === 'test_suite' && c.command === undefined) {
    report(ctx, 'error', `${label} needs a command`, [...at, 'type']);
  }
  // Not a template: a placeholder there would reach the shell as written (the original format had them).
  const placeholder = findTemplateVars(c.command ?? '').find((v) => VARIABLE.test(v.expr));
  if (placeholder) {
    const hint = 'it runs on the outputs at /wave/out and the source at /wave/src; write \\{{ for a literal {{';
    const message = `${label}: {{ ${placeholder.expr} }} is not filled in: a contract command is not a template`;
    report(ctx, 'error', message, [...at, 'command'], hint);
  }
  if (c.command !== undefined && c.type !== 'test_suite') {
    report(ctx, 'error', `${label}: command is only used by test_suite contracts`, [...at, 'command']);
  }
  for (const key of ['required_headings', 'headings', 'max_length'] as const) {
    if (c[key] !== undefined && c.type !== 'markdown_spec')
      report(ctx, 'error', `${label}: ${key} is only used by markdown_spec contracts`, [...at, key]);
  }
  if (c.interface !== undefined && c.type !== 'typescript_interface') {
    report(ctx, 'error', `${label}: interface is only used by typescript_interface contracts`, [...at, 'interface']);
  }
  for (const key of ['network', 'allowed_domains'] as const) {
    if (c[key] !== undefined && c.type !== 'test_suite') {
      report(ctx, 'error', `${label}: ${key} is only used by test_suite contracts`, [...at, key]);
    }
  }
  if (c.network === 'none' && c.allowed_domains?.length) {
    const message = `${label}: allowed_domains has no effect with network: none`;
    report(ctx, 'error', message, [...at, 'allowed_domains'], 'use network: allowlist, or drop allowed_domains');
  }
  if (c.max_size !== undefined && c.type !== 'non_empty_file') {
    report(ctx, 'error', `${label}: max_size is only used by non_empty_file contracts`, [...at, 'max_size']);
  }
  if (c.format !== undefined && c.type !== 'format') {
    report(ctx, 'error', `${label}: format is only used by format contracts`, [...at, 'format']);
  }
  if (c.type === 'format' && c.format === undefined) {
    report(ctx, 'error', `${label} needs format: json | yaml | markdown | text`, [...at, 'type']);
  }
  if (c.timeout !== undefined && parseDuration(c.timeout) === undefined) {
    report(ctx, 'error', `${label}: timeout '${c.timeout}' is not a duration`, [...at, 'timeout']);
  }
  if (c.schema_path !== undefined) {
    const resolved = resolveProjectPath(c.schema_path, ctx.projectDir);
    if (resolved.refused) {
      report(
        ctx,
        'error',
        `${label}: schema_path '${c.schema_path}' ${resolved.refused}`,
        [...at, 'schema_path'],
        CONTAINED_PATH_HINT,
      );
    } else if (!resolved.exists) {
      report(
        ctx,
        'error',
        `${label}: schema_path '${c.schema_path}' not found (looked for ${resolved.path})`,
        [...at, 'schema_path'],
        'paths are relative to the project folder; .wave/… falls back to the embedded defaults',
      );
    }
  }
}

function checkRetry(raw: RawStep, at: DocPath, ctx: Ctx): void {
  const r = raw.retry;
  if (!r) return;
  const base = r.base_delay === undefined ? undefined : parseDuration(r.base_delay);
  const max = r.max_delay === undefined ? undefined : parseDuration(r.max_delay);
  if (base !== undefined && max !== undefined && base > max) {
    report(
      ctx,
      'error',
      `step '${raw.id}': retry.base_delay (${r.base_delay}) is longer than retry.max_delay (${r.max_delay})`,
      [...at, 'retry', 'base_delay'],
    );
  }
  if (r.policy === 'none' && r.max_attempts !== undefined && r.max_attempts > 1) {
    report(ctx, 'warning', `step '${raw.id}': retry.max_attempts ${r.max_attempts} overrides policy: none`, [
      ...at,
      'retry',
      'max_attempts',
    ]);
  }
}

/**
 * Container paths Wave owns (inputs, outputs, invocation files, egress sockets, the tmpfs /tmp and the default
 * profile's HOME): a mount on, above or below one would hide it. /wave/src is the step's source: a mount may replace
 * it or sit below it.
 */
const RESERVED_TARGETS = [
  SANDBOX_PATHS.out,
  SANDBOX_PATHS.in,
  SANDBOX_PATHS.meta,
  SANDBOX_PATHS.run,
  '/tmp',
  '/home/wave',
];
const SOURCE_TARGET = SANDBOX_PATHS.src;

function checkMounts(raw: RawStep, at: DocPath, ctx: Ctx): void {
  const seen: Array<{ target: string; j: number }> = [];
  (raw.workspace?.mount ?? []).forEach((m, j) => {
    const where = [...at, 'workspace', 'mount', j];
    if (!path.posix.isAbsolute(m.target)) {
      report(
        ctx,
        'error',
        `step '${raw.id}': mount target '${m.target}' must be an absolute path inside the container`,
        [...where, 'target'],
        'for example /wave/src or /project',
      );
    } else {
      const target = path.posix.normalize(m.target).replace(/(.)\/$/, '$1');
      const under = (outer: string, inner: string) =>
        inner === outer || inner.startsWith(`${outer === '/' ? '' : outer}/`);
      const hidesSource = under(target, SOURCE_TARGET) && target !== SOURCE_TARGET;
      if (hidesSource || RESERVED_TARGETS.some((r) => under(r, target) || under(target, r))) {
        const message = `step '${raw.id}': mount target '${m.target}' is reserved for Wave (${RESERVED_TARGETS.join(', ')})`;
        const hint = 'mount at /wave/src, below it, or at a path of your own such as /project';
        report(ctx, 'error', message, [...where, 'target'], hint);
      }
      const clash = seen.find((s) => under(s.target, target) || under(target, s.target));
      if (clash) {
        const message = `step '${raw.id}': mount target '${m.target}' overlaps mount ${clash.j + 1}'s '${clash.target}'`;
        const hint = 'give each mount its own folder: a mount cannot be nested in another one';
        report(ctx, 'error', message, [...where, 'target'], hint);
      }
      seen.push({ target, j });
    }
    const resolved = resolveProjectPath(m.source, ctx.projectDir);
    if (resolved.refused) {
      report(
        ctx,
        'error',
        `step '${raw.id}': mount source '${m.source}' ${resolved.refused}`,
        [...where, 'source'],
        CONTAINED_PATH_HINT,
      );
    } else if (!resolved.exists) {
      report(ctx, 'error', `step '${raw.id}': mount source '${m.source}' not found (looked for ${resolved.path})`, [
        ...where,
        'source',
      ]);
    }
  });
}
