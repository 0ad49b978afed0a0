// Public API of the planning layer: the step graph, its checks and levels, and prompt templates.

export { checkDag, topologicalLevels, findCycles, type DagOptions, type DagResult } from './dag.js';
export { StepGraph } from './graph.js';
export { checkReferences, checkTemplateText, type ReferenceCheckOptions, type TemplateTextCheck } from './references.js';
export {
  findTemplateVars,
  classifyTemplateVar,
  renderTemplate,
  TEMPLATE_VARIABLES,
  type RenderOptions,
  type TemplateVar,
  type TemplateRef,
  type TemplateContext,
} from './template.js';
export { shellPlaces, shellQuote, quoteForPlace, type ShellPlace } from './shell-context.js';
