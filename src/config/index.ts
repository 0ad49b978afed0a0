// Public API of the configuration layer: loading and checking wave.yaml and pipelines, resolution of
// adapters/models, and `wave init`. Nothing here loads ajv until something is validated.

export type * from './types.js';
export { CONTRACT_TYPES, DEFAULT_COMMAND_IMAGE, PROVIDER_TOOLS, TIER_NAMES } from './types.js';
export {
  type Problem,
  dedupeProblems,
  formatProblem,
  hasErrors,
  isError,
  problemsToError,
  sortProblems,
} from './problems.js';
export { loadManifest, readManifest, isTierName, RUNTIME_DEFAULTS, type ManifestReadResult } from './manifest.js';
export {
  loadPipeline,
  readPipeline,
  inferProjectDir,
  type PipelineReadOptions,
  type PipelineReadResult,
} from './pipeline.js';
export {
  findPipeline,
  listPipelines,
  looksLikePath,
  projectPipelinesDir,
  defaultPipelinesDir,
  type FoundPipeline,
  type PipelineListing,
  type PipelineSource,
} from './discover.js';
export {
  packageRoot,
  defaultsDir,
  defaultManifestPath,
  resolveProjectPath,
  projectFile,
  projectPathEscape,
  CONTAINED_PATH_HINT,
  isContainedRelativePath,
  MANIFEST_FILE,
  PROJECT_DIR_NAME,
  PROJECT_LAYOUTS,
  type ProjectLayout,
  type ResolvedPath,
} from './paths.js';
export {
  resolveStepAgent,
  effectivePermissions,
  type EffectivePermissions,
  type ResolveFlags,
  type ResolvedAgent,
} from './resolve.js';
export { resolveRetry, retryDelayMs, type ResolvedRetry } from './retry.js';
export { checkPipelineAgainstManifest, domainCovers, DEFAULT_PERSONA_NETWORK } from './cross-check.js';
export {
  PROVIDER_CREDENTIAL_ENV,
  isProviderCredential,
  stepPassthrough,
  credentialsOptedIn,
  refusedCredentialPassthrough,
  credentialRefusal,
  type PassthroughName,
  type PassthroughLevel,
} from './credentials.js';
export { initProject, pointSchemaComment, type InitOptions, type InitResult } from './init.js';
export { schemaFile, type SchemaKind } from './schema-check.js';
export { parseMemory, parseDuration, durationForms } from './units.js';
export { SANDBOX_PATHS } from './sandbox-paths.js';
export { suggest, didYouMean, editDistance } from './suggest.js';
export { KNOWN_CLIS, cliOf, mapTier, type MappedTier } from './clis.js';
