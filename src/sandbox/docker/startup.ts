// What every Wave command that uses Docker does first: connect to the engine (one-line docker_unavailable if
// there is none) and remove containers left behind by Wave processes that died (see reaper.ts).
import type { SandboxLogger } from '../types.js';
import { connectDocker, type EngineConnection } from './engine.js';
import { reapOrphans, type ReapOptions } from './reaper.js';

export interface DockerStartup extends EngineConnection {
  /** Ids of the orphaned containers that were removed. */
  reaped: string[];
}

export async function startDocker(options: { env?: NodeJS.ProcessEnv; isRunActive?: ReapOptions['isRunActive']; logger?: SandboxLogger } = {}): Promise<DockerStartup> {
  const connection = await connectDocker(options.env ? { env: options.env } : {});
  // Reaping is housekeeping: a failure here must not stop the command the user asked for.
  const reaped = await reapOrphans(connection.docker, options.isRunActive ? { isRunActive: options.isRunActive } : {}).catch((err: unknown) => {
    options.logger?.warn({ err: (err as Error).message }, 'could not reap orphaned containers');
    return [] as string[];
  });
  if (reaped.length) options.logger?.info({ containers: reaped }, 'removed orphaned Wave containers');
  return { ...connection, reaped };
}
