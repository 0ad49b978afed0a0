// Public API of project validation: a whole project (manifest, pipelines, graphs, templates) or one pipeline file.
export {
  validateProject,
  checkPipelineFile,
  checkLoadedPipeline,
  type PipelineCheck,
  type ValidateOptions,
  type ValidateResult,
} from './project.js';
