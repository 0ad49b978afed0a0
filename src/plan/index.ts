// Public API of the planning layer: the step graph, its checks and levels, and prompt templates.

export { checkDag, topologicalLevels, findCycles, type DagOptions, type DagResult } from './dag.js';
export { StepGraph } from './graph.js';
export { checkReferences, type ReferenceCheckOptions } from './references.js';
export { stepInputs, stepTemplateContext, unavailableDep, type StepInput, type TemplateValues } from './inputs.js';
export { checkStepTexts, inlineTexts, type StepText, type StepTextCheck } from './step-templates.js';
export {
  findTemplateVars,
  classifyTemplateVar,
  fillTemplate,
  renderTemplate,
  TEMPLATE_VARIABLES,
  type MissingDep,
  type RenderOptions,
  type TemplateFailure,
  type TemplateVar,
  type TemplateRef,
  type TemplateContext,
} from './template.js';
export { shellPlaces, shellQuote, quoteForPlace, type ShellPlace } from './shell-context.js';
