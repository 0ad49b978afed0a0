// The byte relay behind an allowed CONNECT tunnel: once the policy (and the SNI check) said yes, the proxy only
// copies bytes both ways. It is the hot path of every tunnel, so it reads each socket into one reused buffer
// (net.Socket `onread`) and writes that straight on, instead of letting Node allocate a fresh 64 KiB buffer per
// read and push it through a Readable/pipe: on loopback that halves the relay's CPU (test/bench/egress-throughput.ts measures it).
// Backpressure is kept: while a write is still in the kernel's or Node's hands, the source socket stops reading.
//
// `onread` only exists for sockets Node creates itself, so a socket accepted by a server is re-wrapped: its
// handle moves to a new Socket that reads into the buffer. That uses the handle slot (`_handle`) Node's own
// servers use to build sockets; when it is absent or the socket is in a state where moving it is not safe, the
// relay falls back to plain pipe() (correct, only slower). bridge.mjs carries the same logic in plain JS.
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One read's worth; larger reads mean fewer wake-ups per byte (a Unix socket rarely holds more than ~200 KiB). */
export const RELAY_BUFFER_BYTES = 256 * 1024;

export interface Relay {
  /** The sockets carrying the tunnel now (re-wrapped ones on the fast path): listen for 'close' on these. */
  client: Duplex;
  upstream: Socket;
  /** True when the download direction uses the reused-buffer path. */
  fast: boolean;
}

export interface RelayStart {
  /** Sent to the upstream before anything else (the checked ClientHello, or bytes after the CONNECT head). */
  toUpstream?: Buffer;
  /** Sent to the client before anything else (the "200 Connection Established" line). */
  toClient?: string;
}

/** Where the reads of one direction go; filled in once both sockets exist. */
interface Route {
  src?: Duplex | undefined;
  dst?: Duplex | undefined;
}

/** onread options: each read lands in one buffer that is written straight to route.dst and reused afterwards. */
export function forwardReads(route: Route, bufferBytes = RELAY_BUFFER_BYTES): { buffer: Buffer; callback: (n: number, buf: Buffer) => boolean } {
  let waiting = false;
  const onWritten = (err?: Error | null) => {
    // A callback of an earlier, synchronous write may arrive while a later one is still pending: only the write
    // that empties the queue frees the buffer.
    if (!waiting || err || !route.dst || route.dst.writableLength !== 0) return;
    waiting = false;
    route.src?.resume();
  };
  return {
    buffer: Buffer.allocUnsafe(bufferBytes),
    callback(n, buf) {
      const dst = route.dst;
      if (!dst || dst.destroyed) return false;
      dst.write(buf.subarray(0, n), onWritten);
      // Written synchronously (the common case): the buffer is free for the next read.
      if (dst.writableLength === 0) return true;
      // Otherwise the rest of this buffer is still to be sent from this very memory: stop reading until it is.
      waiting = true;
      return false;
    },
  };
}

interface Internals {
  _handle?: { useUserBuffer?: unknown; reading?: boolean } | null;
  _readableState?: { ended?: boolean };
}

/**
 * Moves a connected socket's handle into a new Socket that reads with `onread`. Returns the new socket and the
 * bytes the old one had already buffered, or undefined when that cannot be done safely (nothing was changed).
 */
export function adoptSocket(socket: Duplex, onread: ReturnType<typeof forwardReads>): { socket: Socket; buffered: Buffer[] } | undefined {
  if (!(socket instanceof Socket)) return undefined;
  const inner = socket as unknown as Internals;
  const handle = inner._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return undefined;
  // A pending write would complete on the new object; an EOF already read would never be seen again.
  if (socket.destroyed || socket.connecting || socket.writableLength > 0 || socket.writableEnded || inner._readableState?.ended !== false) return undefined;
  // Bytes the old object already read (it may have been reading since the CONNECT head). EOF cannot appear here:
  // read() never reads the socket synchronously, it only hands out what is buffered.
  const buffered: Buffer[] = [];
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) buffered.push(chunk);
  inner._handle = null;
  const adopted = new Socket({ handle, allowHalfOpen: true, readable: true, writable: true, onread, pauseOnCreate: true } as ConstructorParameters<typeof Socket>[0]);
  // The old object no longer owns the handle: destroying it only emits its 'close' and frees its server slot.
  socket.destroy();
  return { socket: adopted, buffered };
}

function wire(a: Duplex, b: Duplex): void {
  const destroyBoth = () => { a.destroy(); b.destroy(); };
  for (const [s, other] of [[a, b], [b, a]] as const) {
    s.on('error', destroyBoth);
    // Half-close travels on; the tunnel ends when either side is gone.
    s.on('end', () => other.end());
    s.once('close', () => other.destroy());
  }
}

/** Starts relaying between a client and a connected upstream. Call once; the caller listens on the result. */
export function relay(client: Duplex, upstream: Socket, start: RelayStart = {}): Relay {
  const down: Route = {};
  // The client socket stays the object the step's connection cap counts (its 'close' frees the slot), so only
  // the upstream is re-wrapped: the download direction, which carries the bulk of a tunnel's bytes.
  const u = adoptSocket(upstream, forwardReads(down));
  const us = u?.socket ?? upstream;
  down.src = u?.socket;
  down.dst = client;
  if (u) u.socket.setNoDelay(true);
  wire(client, us);
  if (start.toClient) client.write(start.toClient);
  for (const chunk of u?.buffered ?? []) client.write(chunk);
  if (start.toUpstream?.length) us.write(start.toUpstream);
  // The upload direction, and a download side that could not be re-wrapped, are piped (end is handled by wire()).
  client.pipe(us, { end: false });
  if (!u) us.pipe(client, { end: false });
  client.resume();
  us.resume();
  return { client, upstream: us, fast: Boolean(u) };
}
