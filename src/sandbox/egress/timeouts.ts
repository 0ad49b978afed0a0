// Time limits on what the proxy and the gateways open upstream: a connect that does not complete, and a connection
// that carries no byte either way. Without them the kernel keeps either for as long as the upstream likes, and the
// step's connection (one of its capped slots) with it. Every cut is an UpstreamTimeout, which the caller logs.
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

export class UpstreamTimeout extends Error {
  constructor(
    readonly kind: 'connect' | 'idle',
    ms: number,
  ) {
    const time = ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
    super(kind === 'connect' ? `connect timed out after ${time}` : `timed out: no byte either way for ${time}`);
  }
}

/** Resolves once the socket is connected; rejects on error or, after `timeoutMs`, with an UpstreamTimeout. */
export function connected(socket: Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!socket.connecting && !socket.destroyed && socket.remoteAddress) return resolve();
    const timer = setTimeout(() => {
      cleanup();
      reject(new UpstreamTimeout('connect', timeoutMs));
    }, timeoutMs);
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

/**
 * Destroys `socket` with an UpstreamTimeout once it has carried no byte either way for `idleMs` (every read and
 * every write restarts the timer); `onIdle` runs first, so the caller can note why before 'close'.
 */
export function cutWhenIdle(socket: Socket, idleMs: number, onIdle: (err: UpstreamTimeout) => void): void {
  socket.setTimeout(idleMs, () => {
    const err = new UpstreamTimeout('idle', idleMs);
    onIdle(err);
    socket.destroy(err);
  });
}

/**
 * Both limits on an upstream request: its connection must connect within `connectMs` (a kept-alive one already
 * has), then carry a byte either way at least every `idleMs`. Either cut destroys the request with an
 * UpstreamTimeout ('error').
 */
export function limitUpstream(req: ClientRequest, connectMs: number, idleMs: number): void {
  req.once('socket', (socket: Socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => req.destroy(new UpstreamTimeout('connect', connectMs)), connectMs);
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
  });
  // Node applies it to the socket once connected, and takes it off when the socket goes back to a keep-alive pool.
  req.setTimeout(idleMs, () => req.destroy(new UpstreamTimeout('idle', idleMs)));
}

export interface UpstreamFailure {
  status: 502 | 504;
  reason: 'upstream_failed' | 'upstream_timeout';
  /** For EgressRecord.error. */
  error: string;
}

/** How a failed upstream is answered and logged: 504 when one of our timers cut it, 502 for anything else. */
export function upstreamFailure(err: Error): UpstreamFailure {
  return err instanceof UpstreamTimeout
    ? { status: 504, reason: 'upstream_timeout', error: `upstream ${err.message}` }
    : { status: 502, reason: 'upstream_failed', error: `upstream failed: ${err.message}` };
}
