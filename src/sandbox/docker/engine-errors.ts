// How the Engine API's errors are read: dockerode rejects with the HTTP status (statusCode) and the engine's own
// message (json.message), which is what a user should see, on one line.
import type Docker from 'dockerode';
import { WaveError, isWaveError } from '../../errors.js';

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null | undefined)?.statusCode;
}

/** 404: it is gone already; 409: its removal is already in progress. Either way, nothing left to do. */
export function isGoneOrGoing(err: unknown): boolean {
  const code = statusOf(err);
  return code === 404 || code === 409;
}

/** The engine's message, first line only. */
export function detailOf(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string } | null | undefined;
  return (e?.json?.message ?? e?.message ?? String(err)).split('\n')[0] ?? '';
}

/** A sandbox_failed naming what Wave was doing; a WaveError passes through as it is. */
export function sandboxFailed(what: string, err: unknown): WaveError {
  if (isWaveError(err)) return err;
  return new WaveError('sandbox_failed', `${what}: ${detailOf(err)}`, { cause: err });
}

/**
 * Removes a container, running or not, with its anonymous volumes. Never throws: one already gone or going is
 * fine, and anything else goes to `warn` (what the engine keeps carries labels for the reaper).
 */
export async function removeContainer(container: Docker.Container, warn: (detail: string) => void): Promise<void> {
  await container.remove({ force: true, v: true }).catch((err: unknown) => {
    if (!isGoneOrGoing(err)) warn(detailOf(err));
  });
}
