// Shapes shared by the image service (build, list, prune) and its callers (the CLI renders them).
import type Docker from 'dockerode';

/** Where an image's FROM comes from. */
export type ParentSpec =
  /** The base: an OS image chosen by --base-image, else the public Debian image or a bootstrapped one. */
  | { kind: 'os' }
  /** Another catalogue image in the same namespace (the adapters build FROM base). */
  | { kind: 'wave'; name: string }
  /** A fixed image reference (test-only images). */
  | { kind: 'ref'; ref: string };

export interface ImageSpec {
  /** Short name: the folder under images/ and the repository after the namespace (`wave/<name>`). */
  name: string;
  /** Absolute path of the build context (a folder with a Dockerfile). */
  dir: string;
  parent: ParentSpec;
  /** The agent CLI's version command, run by the tests and by `wave doctor`-style checks. */
  versionArgv?: string[];
}

export type BuildPhase = 'plan' | 'bootstrap' | 'pull' | 'hash' | 'cached' | 'build' | 'tag' | 'done';

/** One progress report; `step` is set while the builder runs a Dockerfile instruction. */
export interface BuildProgress {
  image: string;
  phase: BuildPhase;
  message: string;
  step?: { index: number; total: number; instruction: string };
}

export type ProgressListener = (event: BuildProgress) => void;

export interface BuildOptions {
  /** Catalogue names to build; empty means every image. Dependencies (base) are added when needed. */
  names?: string[];
  /** FROM for the base image (BASE_IMAGE build argument). */
  baseImage?: string;
  /** PEM files trusted in the base image (and so in every image built on it). */
  extraCa?: string[];
  noCache?: boolean;
  /** When the base's BASE_IMAGE is not present locally, import it from Debian's packages (bootstrap-rootfs.sh). */
  bootstrapBase?: boolean;
  /** npm registry for the adapters' CLI installs; defaults to the host's npm configuration. */
  npmRegistry?: string;
  /** Repository namespace, `wave` unless testing. */
  namespace?: string;
  /** Replaces the built-in catalogue (tests build tiny images with it). */
  catalog?: ImageSpec[];
  /** An engine connection to reuse; otherwise one is opened from the environment (DOCKER_HOST or the socket). */
  docker?: Docker;
}

/** The base's parent, fetched by this build before the base could be built. */
export interface ParentFetch {
  ref: string;
  how: 'bootstrap' | 'pull';
  durationMs: number;
}

export interface BuildResult {
  name: string;
  /** `<namespace>/<name>:<version>-<hash>`. */
  ref: string;
  /** `<namespace>/<name>:latest`, moved to this image. */
  latestRef: string;
  imageId: string;
  hash: string;
  status: 'built' | 'cached';
  /** All the time this image took, getting its parent included. */
  durationMs: number;
  sizeBytes: number;
  /** Its parent had to be bootstrapped or pulled first (part of durationMs). */
  parentFetched?: ParentFetch;
}

/** One tag the engine holds under Wave's namespace. */
export interface TaggedImage {
  repository: string;
  name: string;
  tag: string;
  imageId: string;
  sizeBytes: number;
  created: Date;
  /** The tag is `latest` or names the same image as `latest`. */
  current: boolean;
}

export interface ImageRow extends TaggedImage {
  /** Adapters whose configured image is this image. */
  usedBy: string[];
}

export interface PruneResult {
  /** Tags removed (or, with dryRun, that would be removed). */
  removed: string[];
  /** Tags kept because a container uses their image. */
  inUse: string[];
  /** Tags the engine refused to remove, with its reason. */
  failed: { ref: string; reason: string }[];
}
