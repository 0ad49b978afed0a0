// One step of a pipeline: normalised (exec always set, contracts always a list, output artifact defaults applied)
// and checked on its own. Checks that span steps live in src/plan/.

import { credentialRefusal, isProviderCredential } from './credentials.js';
import { findTemplateVars } from './placeholders.js';
import { type Ctx, type RawStep, inferArtifactType, outPathProblem, report } from './pipeline-context.js';
import { checkContract } from './pipeline-contract.js';
import { checkInjections, checkMounts, checkProjectFile, checkRetry } from './pipeline-step-checks.js';
import {
  aggregateOutput,
  checkAggregate,
  extractedOutputs,
  normaliseIterate,
  pipelineExec,
} from './pipeline-composition.js';
import { gateExec, gateStep } from './pipeline-gate.js';
import { hasLoopBody, LOOP_ONLY_EXEC, loopOutputs, normaliseLoop } from './pipeline-loop.js';
import { normaliseMatrix } from './pipeline-matrix.js';
import { impliedFormatContracts, normaliseContract } from './output-checks.js';
import type { Contract, DocPath, Exec, OutputArtifact, Step } from './types.js';

export function normaliseStep(raw: RawStep, at: DocPath, ctx: Ctx): Step {
  const gate = gateExec(raw, at, ctx);
  if (gate) return gateStep(raw, gate);
  const { type: legacyType, script: legacyScript, exec: rawExec, handover, output_artifacts, ...composite } = raw;
  const {
    pipeline: _p,
    input: _i,
    input_ref: _r,
    config: _c,
    iterate: _it,
    loop: _l,
    strategy: _s,
    ...rest
  } = composite;
  // A matrix's child_pipeline is the pipeline each item runs: the step is a pipeline step of it.
  const childPipeline = raw.strategy?.child_pipeline;
  const subPipeline = pipelineExec(childPipeline ? { pipeline: childPipeline, ...raw } : raw, at, ctx);
  const bodyless = raw.loop !== undefined && !hasLoopBody(raw);
  const exec = subPipeline ?? (bodyless ? LOOP_ONLY_EXEC : normaliseExec(raw, at, ctx));
  void legacyType;
  void legacyScript;
  void rawExec;

  if (exec.type === 'prompt' && raw.persona === undefined && !bodyless) {
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
    if (o.source === 'stdout' && /\/$/.test(o.path)) {
      const hint = "name a file, e.g. path: 'stdout.txt'";
      report(ctx, 'error', `step '${raw.id}': a stdout output is one file, not the folder '${o.path}'`, where, hint);
    }
    const type = o.type ?? inferArtifactType(o.path);
    const stdout = o.source === 'stdout' ? { source: 'stdout' as const } : {};
    return { name: o.name, path: o.path, type, required: o.required ?? true, ...stdout };
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

  const itemOutputs = subPipeline ? extractedOutputs(subPipeline) : outputs;
  const iterate = normaliseIterate(raw, at, ctx, itemOutputs);
  checkAggregate(raw, at, ctx, itemOutputs);
  const loop = normaliseLoop(raw, at, ctx, itemOutputs, normaliseStep);
  const matrix = normaliseMatrix(raw, at, ctx, subPipeline ? [] : itemOutputs);
  // An iterated step's own artifact is the aggregate's merge (if any); its declared outputs are each item's. A
  // matrix step has none of its own; a loop step's are its last iteration's.
  const aggregated = raw.aggregate ? [aggregateOutput(raw.aggregate)] : [];
  const stepOutputs = iterate ? aggregated : matrix ? [] : loop ? loopOutputs(loop) : itemOutputs;

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
  contracts = contracts.map((c) => (c === null ? c : normaliseContract(c)));
  const typed = outputs.filter((_, j) => output_artifacts?.[j]?.type !== undefined);
  contracts.push(...impliedFormatContracts(typed, outputs[0]?.path, contracts));

  checkRetry(raw, at, ctx);
  checkInjections(raw, at, ctx);
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
    output_artifacts: stepOutputs,
    ...(iterate ? { iterate } : {}),
    ...(loop ? { loop } : {}),
    ...(matrix ? { matrix } : {}),
    handover: { contracts, ...(handover?.compaction ? { compaction: handover.compaction } : {}) },
  };
}

/** Folds the original format's step-level `type: command` + `script` into `exec`, and checks the exec block. */
function normaliseExec(raw: RawStep, at: DocPath, ctx: Ctx): Exec {
  if (raw.type === 'conditional') return conditionalExec(raw, at, ctx);
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
  // A templated path ({{ forge.type }}) is filled and checked once the manifest is known (plan/static-templates.ts).
  if (e.source_path !== undefined && findTemplateVars(e.source_path).length === 0) {
    checkProjectFile(ctx, `step '${raw.id}': prompt file '${e.source_path}'`, e.source_path, [...where, 'source_path']);
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

/** `type: conditional` runs nothing: anything that would run (or be collected) is refused, edges are required. */
function conditionalExec(raw: RawStep, at: DocPath, ctx: Ctx): Exec {
  const running = (['exec', 'script', 'persona', 'adapter', 'model', 'output_artifacts', 'handover'] as const).filter(
    (k) => raw[k] !== undefined,
  );
  for (const key of running) {
    report(ctx, 'error', `step '${raw.id}': a conditional step runs nothing, so '${key}' has no use`, [...at, key]);
  }
  if (!raw.edges?.length) {
    const hint = 'add edges: [{target: <step>, condition: outcome=success}, {target: <step>}]';
    report(ctx, 'error', `step '${raw.id}': a conditional step needs edges`, [...at, 'type'], hint);
  }
  return { type: 'conditional' };
}
