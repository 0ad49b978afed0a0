// The image service: build, list and prune Wave's images, and refuse to run without one.
export { buildImages } from './build.js';
export { listImages, type ListOptions } from './list.js';
export { pruneImages, type PruneOptions } from './prune.js';
export { ensureImage, missingImageHint } from './hint.js';
export {
  ADAPTER_IMAGES,
  BASE,
  DEFAULT_NAMESPACE,
  defaultCatalog,
  hashTagFor,
  imageRefFor,
  type AdapterImage,
} from './catalog.js';
export { hashContext, readContext, type ContextEntry, type VirtualFile } from './context.js';
export type {
  BuildOptions,
  BuildProgress,
  BuildResult,
  ImageRow,
  ImageSpec,
  ParentSpec,
  ProgressListener,
  PruneResult,
} from './types.js';
