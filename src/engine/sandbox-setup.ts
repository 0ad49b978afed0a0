// The sandbox a run uses: the manifest's backend, connected, with the orphans of dead Wave processes reaped, the
// run's logger attached (so what the sandbox reports reaches the user and the log file), and every image present
// with the tools the pipeline requires.
import type { LoadedManifest } from '../config/index.js';
import type { Sandbox, SandboxLogger } from '../sandbox/types.js';
import { isRunOwnerAlive, type Store } from '../state/index.js';
import { requireTools } from './required-tools.js';
import type { Prepared } from './run-prepare.js';

export async function connectSandbox(
  manifest: LoadedManifest,
  store: Store,
  note: (m: string) => void,
  logger: SandboxLogger,
): Promise<Sandbox> {
  const { createDockerSandbox, DockerEngine, HostSandbox } = await import('../sandbox/index.js');
  if (manifest.manifest.runtime.sandbox.backend === 'host') return new HostSandbox({ warn: note });
  const engine = await DockerEngine.connect();
  // "Active elsewhere" means another live process drives the run: a run this process has just resumed still has
  // the dead owner's containers, and those must go.
  const { removed, warning } = await engine.reapOrphans({
    isRunActive: (runId) => {
      const run = store.runs.get(runId);
      return Boolean(run && run.status === 'running' && run.ownerPid !== process.pid && isRunOwnerAlive(run));
    },
  });
  // Housekeeping: the run goes on, and the user sees why the leftovers are still there.
  if (warning) logger.warn({}, warning);
  if (removed.length) note(`removed ${removed.length} container(s) left behind by a Wave process that died`);
  return createDockerSandbox({ docker: engine.docker, logger });
}

/**
 * Fails before anything runs when an image is missing, naming the command that builds it, or when an image lacks a
 * tool the pipeline's requires.tools names (tools_missing, naming the image, the tool and where it is required).
 */
export async function checkImages(sandbox: Sandbox, prepared: Prepared): Promise<void> {
  const steps = prepared.executorSteps;
  // A pipeline step has no image of its own: its child pipeline's steps are checked when it starts.
  const own = steps.filter((s) => s.start.image !== '');
  await sandbox.requireImages?.(own.map((s) => s.start.image));
  const images = new Map<string, string[]>();
  for (const s of own) images.set(s.start.image, [...(images.get(s.start.image) ?? []), s.id]);
  await requireTools(prepared.pipeline, prepared.manifest.manifest, sandbox, images);
}
