// What a step receives in /wave/in, decided in one place for the run (which files it copies) and for
// `wave validate` (which {{ deps.<step>.<artifact> }} have a value): every declared output of each direct
// dependency, and each memory.inject_artifacts entry naming an upstream step, however far up.

import posix from 'node:path/posix';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { didYouMean } from '../config/suggest.js';
import { type OutputArtifact, type PipelineInjection, type Step, isPipelineInjection } from '../config/types.js';
import type { StepGraph } from './graph.js';
import type { MissingDep, TemplateContext } from './template.js';
import { stepOutputOf } from './step-outputs.js';
import { stepOutputs } from './worktrees.js';

export interface StepInput {
  /** The step that wrote it. */
  from: string;
  output: OutputArtifact;
  /** Its place under /wave/in: `<from>/<path>`. */
  rel: string;
  /** inject_artifacts `as:` names: further copies at /wave/in/<as>. */
  aliases: string[];
  /** Missing in the run fails the step (a required output not marked optional by inject_artifacts). */
  required: boolean;
}

const key = (from: string, artifact: string): string => `${from}/${artifact}`;

export function stepInputs(graph: StepGraph, step: Step): StepInput[] {
  const injections = step.memory?.inject_artifacts ?? [];
  const ancestors = injections.length ? graph.ancestorsOf(step.id) : new Set<string>();
  const inputs = new Map<string, StepInput>();
  const add = (from: string, output: OutputArtifact): StepInput => {
    const k = key(from, output.name);
    let input = inputs.get(k);
    if (!input) {
      const rel = posix.join(from, posix.normalize(output.path));
      input = { from, output, rel, aliases: [], required: output.required };
      inputs.set(k, input);
    }
    return input;
  };
  for (const dep of new Set(graph.depsOf(step.id))) {
    const source = graph.byId.get(dep)?.step;
    for (const output of source ? stepOutputs(source) : []) add(dep, output);
  }
  for (const injection of injections) {
    if (isPipelineInjection(injection)) continue; // from another pipeline's run: pipelineInjectionPath()
    const source = graph.byId.get(injection.step)?.step;
    const output = source && stepOutputs(source).find((o) => o.name === injection.artifact);
    if (!output || !ancestors.has(injection.step)) continue; // reported by checkReferences
    const input = add(injection.step, output);
    if (injection.as) input.aliases.push(injection.as);
    if (injection.optional) input.required = false;
  }
  return [...inputs.values()];
}

export interface TemplateValues {
  input: string;
  runId: string;
  pipelineName: string;
  /** project.* and forge.* (Manifest.variables); absent when no manifest is known. */
  vars?: Readonly<Record<string, string>>;
  /** An iterate item's value; absent when validating (any item renders alike). */
  item?: { value: unknown };
  /** A loop iteration's number (from 1); 'any' when validating a loop's step. */
  iteration?: number | 'any';
}

/**
 * The template context of a step. `present`: the inputs the run actually injected (`<step>/<artifact>`); without
 * it every planned input counts, which is what `wave validate` checks against.
 */
export function stepTemplateContext(
  graph: StepGraph,
  step: Step,
  values: TemplateValues,
  present?: ReadonlySet<string>,
): TemplateContext {
  const inputs = stepInputs(graph, step);
  const deps: Record<string, Record<string, string>> = {};
  for (const input of inputs) {
    if (present && !present.has(key(input.from, input.output.name))) continue;
    (deps[input.from] ??= {})[input.output.name] = `${SANDBOX_PATHS.in}/${input.rel}`;
  }
  const planned = new Set(inputs.map((i) => key(i.from, i.output.name)));
  return {
    input: values.input,
    runId: values.runId,
    stepId: step.id,
    pipelineName: values.pipelineName,
    deps,
    artifacts: artifactsByName(step, inputs, present),
    ...(values.vars ? { vars: values.vars } : {}),
    // An item's run has the item; validating an iterate or matrix step, any item renders alike.
    ...(values.item ? { item: values.item } : step.iterate || step.matrix ? { item: 'any' as const } : {}),
    ...(values.iteration === undefined ? {} : { iteration: values.iteration }),
    stepOutput: stepOutputOf(graph, values),
    missingDep: (from, artifact) =>
      planned.has(key(from, artifact)) ? notWritten(from, artifact) : unavailableDep(graph, step, from, artifact),
  };
}

/**
 * `{{ artifacts.<name> }}`, the original format's name for an injected artifact: by its inject_artifacts `as:`
 * (the copy at /wave/in/<as>), else by the artifact's own name when only one input has it.
 */
function artifactsByName(step: Step, inputs: StepInput[], present?: ReadonlySet<string>): Record<string, string> {
  const byName: Record<string, string> = {};
  const ambiguous = new Set<string>();
  const received = inputs.filter((i) => !present || present.has(key(i.from, i.output.name)));
  for (const input of received) {
    const name = input.output.name;
    if (byName[name] !== undefined) ambiguous.add(name);
    byName[name] = `${SANDBOX_PATHS.in}/${input.rel}`;
  }
  for (const name of ambiguous) delete byName[name];
  for (const input of received) {
    for (const as of input.aliases) byName[as] = `${SANDBOX_PATHS.in}/${as}`;
  }
  for (const inj of (step.memory?.inject_artifacts ?? []).filter(isPipelineInjection)) {
    if (!present || present.has(pipelineInjectionKey(inj))) byName[inj.as ?? inj.artifact] = pipelineInjectionPath(inj);
  }
  return byName;
}

/** Where an artifact from another pipeline lands: /wave/in/<as or its alias>. */
export function pipelineInjectionPath(inj: PipelineInjection): string {
  return `${SANDBOX_PATHS.in}/${inj.as ?? inj.artifact}`;
}

/** How the run reports it present (see stepTemplateContext's `present`). */
export function pipelineInjectionKey(inj: PipelineInjection): string {
  return `pipeline:${inj.pipeline}/${inj.artifact}`;
}

/** An input the step receives, but an optional one its step did not write in this run. */
function notWritten(from: string, artifact: string): MissingDep {
  return {
    message: `artifact '${artifact}' of step '${from}' is optional and was not written in this run`,
    hint: `make the template work without it, or mark it required: true in step '${from}'`,
  };
}

/** Why step `step` cannot read `from`'s `artifact` at all: the same words for inject_artifacts and templates. */
export function unavailableDep(graph: StepGraph, step: Step, from: string, artifact: string): MissingDep {
  const source = graph.byId.get(from)?.step;
  if (from === step.id) return { message: 'names the step itself' };
  if (!source) return { message: `unknown step '${from}'${didYouMean(from, graph.byId.keys())}` };
  const declared = stepOutputs(source).map((o) => o.name);
  if (!declared.includes(artifact)) {
    return {
      message: `step '${from}' declares no artifact '${artifact}'${didYouMean(artifact, declared)}`,
      hint: declared.length ? `'${from}' declares: ${declared.join(', ')}` : `'${from}' declares no output_artifacts`,
    };
  }
  if (!graph.ancestorsOf(step.id).has(from)) {
    const hint = `add '${from}' to dependencies`;
    return { message: `step '${from}' is not one of its dependencies`, hint, graphReason: true };
  }
  return {
    message:
      `step '${from}' is upstream but not injected ` +
      "(a step receives its direct dependencies' outputs and what memory.inject_artifacts names)",
    hint: `add {step: ${from}, artifact: ${artifact}} to memory.inject_artifacts, or '${from}' to dependencies`,
    graphReason: true,
  };
}
