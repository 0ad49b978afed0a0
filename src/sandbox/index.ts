// Public surface of the sandbox. Importing this module does not load dockerode: the docker backend imports it
// lazily on first connection (engine.ts), and everything else here only uses its types.
export * from './types.js';
export { loadSandboxProfile, parseSandboxProfile, DEFAULT_PROFILE_PATH, type SandboxProfile } from './profile.js';
export { LineSplitter, TailBuffer, DEFAULT_MAX_LINE_BYTES, type SplitLine } from './lines.js';
export {
  collectOutputs,
  normalizeDeclaredPath,
  missingDeclared,
  defaultCollectLimits,
  type CollectLimits,
  type CollectOptions,
  type ManifestFile,
  type OutputManifest,
} from './collect.js';
export { HostSandbox, HOST_SANDBOX_WARNING, type HostSandboxOptions } from './host.js';
export { DockerSandbox, createDockerSandbox, type DockerSandboxOptions } from './docker/sandbox.js';
export { resolveEngineTarget, DEFAULT_SOCKET, type EngineTarget } from './docker/engine.js';
export {
  buildContainerSpec,
  containerUser,
  currentHostIdentity,
  withoutInit,
  type BuildContext,
  type HostIdentity,
} from './docker/spec.js';
export { DockerEngine, type Removal } from './docker/facade.js';
export type { ReapOptions, OrphanContainer } from './docker/reaper.js';
export {
  dockerDoctor,
  type DockerDoctorReport,
  type DoctorCheck,
  type DockerDoctorOptions,
  type CheckStatus,
} from './docker/doctor.js';
export { LABELS } from './docker/labels.js';
