// The byte relay behind an allowed CONNECT tunnel: once the policy (and the SNI check) said yes, the proxy only
// copies bytes both ways. It is the hot path of every tunnel, so the upstream — the socket Wave dials itself, and
// the one carrying the bulk of a tunnel's bytes (the download) — reads into one reused buffer (net.connect's
// documented `onread` option) that is written straight to the client, instead of Node allocating a fresh 64 KiB
// buffer per read and pushing it through a Readable/pipe: on loopback that halves the relay's CPU
// (test/bench/egress-throughput.ts measures it). Backpressure is kept: while a write is still in the kernel's or
// Node's hands, the upstream stops reading. The client direction (a socket the HTTP server accepted, which cannot
// be given `onread`) is piped. bridge.mjs carries the same logic in plain JS.
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One read's worth; larger reads mean fewer wake-ups per byte (a Unix socket rarely holds more than ~200 KiB). */
export const RELAY_BUFFER_BYTES = 256 * 1024;

export interface Relay {
  /** True when the download direction uses the reused-buffer path (the upstream was dialled by dialForRelay). */
  fast: boolean;
}

export interface RelayStart {
  /** Sent to the upstream before anything else (the checked ClientHello, or bytes after the CONNECT head). */
  toUpstream?: Buffer;
  /** Sent to the client before anything else (the "200 Connection Established" line). */
  toClient?: string;
}

/** Where the reads of one direction go; the destination is filled in when the relay starts. */
interface Route {
  src?: Duplex | undefined;
  dst?: Duplex | undefined;
}

/** onread options: each read lands in one buffer that is written straight to route.dst and reused afterwards. */
export function forwardReads(
  route: Route,
  bufferBytes = RELAY_BUFFER_BYTES,
): { buffer: Buffer; callback: (n: number, buf: Buffer) => boolean } {
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

/** The routes of the sockets dialForRelay made, for relay() to find. */
const routes = new WeakMap<Socket, Route>();

/**
 * Dials a tunnel's upstream so that it reads into one reused buffer. It stays paused (reads nothing) until relay()
 * gives its reads somewhere to go.
 */
export function dialForRelay(options: NetConnectOpts): Socket {
  const route: Route = {};
  const socket = connect({ ...options, onread: forwardReads(route) });
  socket.pause();
  route.src = socket;
  routes.set(socket, route);
  return socket;
}

function wire(a: Duplex, b: Duplex): void {
  const destroyBoth = () => {
    a.destroy();
    b.destroy();
  };
  for (const [s, other] of [
    [a, b],
    [b, a],
  ] as const) {
    s.on('error', destroyBoth);
    // Half-close travels on; the tunnel ends when either side is gone.
    s.on('end', () => other.end());
    s.once('close', () => other.destroy());
  }
}

/** Starts relaying between a client and a connected upstream. Call once; the tunnel ends when either closes. */
export function relay(client: Duplex, upstream: Socket, start: RelayStart = {}): Relay {
  const down = routes.get(upstream);
  if (down) down.dst = client;
  wire(client, upstream);
  if (start.toClient) client.write(start.toClient);
  if (start.toUpstream?.length) upstream.write(start.toUpstream);
  // The upload direction, and an upstream dialled some other way, are piped (end is handled by wire()).
  client.pipe(upstream, { end: false });
  if (!down) upstream.pipe(client, { end: false });
  client.resume();
  upstream.resume();
  return { fast: Boolean(down) };
}
