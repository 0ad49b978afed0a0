// The Docker façade: how Wave's commands (run and resume, cancel, clean, doctor) use the engine, so that none of
// them talks to dockerode itself. It connects to the engine DOCKER_HOST selects (engine.ts), removes what Wave
// processes that died left behind (reaper.ts), checks images (images.ts), and removes a run's containers and
// /wave/out volumes. Clean-up is housekeeping: a failure never stops the command the user asked for; it comes back
// as a warning for the caller to show.
import type Docker from 'dockerode';
import { detailOf } from './engine-errors.js';
import { connectDocker, type ConnectOptions, type EngineTarget } from './engine.js';
import { missingImages } from './images.js';
import { LABELS } from './labels.js';
import { findOrphans, reapOrphans, removeLabelled, type OrphanContainer, type ReapOptions } from './reaper.js';

export interface Removal {
  /** Ids of the containers removed. */
  removed: string[];
  /** Why the clean-up stopped early, when it did: one line for a warning. */
  warning?: string;
}

async function settle(work: Promise<string[]>, what: string): Promise<Removal> {
  try {
    return { removed: await work };
  } catch (err) {
    return { removed: [], warning: `${what}: ${detailOf(err)}` };
  }
}

export class DockerEngine {
  /** A connected client; connect() makes one that is known to answer. */
  constructor(
    /** For the sandbox and the image service, which drive the Engine API themselves. */
    readonly docker: Docker,
    readonly target: EngineTarget,
  ) {}

  /** Connects and checks that the engine answers; a one-line docker_unavailable when it does not. */
  static async connect(options: ConnectOptions = {}): Promise<DockerEngine> {
    const { docker, target } = await connectDocker(options);
    return new DockerEngine(docker, target);
  }

  /** For commands that do their work without Docker too (cancel, clean): undefined when no engine answers. */
  static async connectIfAvailable(options: ConnectOptions = {}): Promise<DockerEngine | undefined> {
    return DockerEngine.connect(options).catch(() => undefined);
  }

  /** Removes the containers and /wave/out volumes of Wave processes that died (the reaper's rule). */
  reapOrphans(options: ReapOptions = {}): Promise<Removal> {
    return settle(reapOrphans(this.docker, options), 'could not remove the containers of Wave processes that died');
  }

  /** The containers reapOrphans would remove. */
  findOrphans(options: ReapOptions = {}): Promise<OrphanContainer[]> {
    return findOrphans(this.docker, options);
  }

  /** Removes every container (step, bridge) and /wave/out volume of a run, whoever owns them. */
  removeRun(runId: string): Promise<Removal> {
    const removal = removeLabelled(this.docker, { [LABELS.run]: runId });
    return settle(removal, `could not remove the containers of run ${runId}`);
  }

  missingImages(refs: Iterable<string>): Promise<string[]> {
    return missingImages(this.docker, refs);
  }
}
