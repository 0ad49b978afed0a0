#!/usr/bin/env node
// Wave's egress bridge, run inside a step's network namespace (which has only loopback). It listens on loopback
// ports and forwards every connection to a Unix socket mounted from the host, where Wave's egress proxy and
// model gateway enforce the policy. It holds no policy itself: it is a dumb pipe, so a step that kills it or
// bypasses it loses the network instead of gaining it.
//
//   node bridge.mjs --listen 127.0.0.1:3128=/wave/run/egress.sock [--listen …] [-- command args…]
//
// With a command (inline mode): listen first, then spawn the command with inherited stdio, forward signals to
// it, and exit with its code (128+n when it was killed by signal n). Without one (sidecar mode): print
// "wave-bridge: ready" on stdout once every listener is up and run until SIGTERM/SIGINT.
// Dependency-free on purpose: the base image has node and nothing else needs to be installed.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { constants } from 'node:os';

const READY = 'wave-bridge: ready';

function fail(message, code = 2) {
  process.stderr.write(`wave-bridge: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const listens = [];
  let command;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      command = argv.slice(i + 1);
      break;
    }
    if (arg !== '--listen') fail(`unknown argument ${JSON.stringify(arg)}`);
    const spec = argv[++i] ?? '';
    const m = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):(\d{1,5})=(\/.+)$/.exec(spec);
    // Loopback only: a bridge listening on another address would hand the proxy to whoever can reach it.
    if (!m) fail(`--listen expects 127.x.y.z:PORT=/abs/path.sock (or [::1]:PORT=…), got ${JSON.stringify(spec)}`);
    listens.push({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), socket: m[3] });
  }
  if (listens.length === 0) fail('nothing to do: give at least one --listen');
  if (command !== undefined && command.length === 0) fail('empty command after --');
  return { listens, command };
}

// The relay is the hot path: the upstream socket reads into one reused buffer (net.connect's documented `onread`
// option) that is written straight to the client, instead of Node allocating a fresh 64 KiB buffer per read and
// pushing it through a Readable/pipe; on loopback that halves the bridge's CPU. While a write is still pending the
// upstream stops reading (backpressure), and only the write that empties the queue frees the buffer. The client
// direction (an accepted socket, which cannot be given `onread`) is piped. src/sandbox/egress/relay.ts is the same
// logic on the host side.
const RELAY_BUFFER_BYTES = 256 * 1024;

function forwardReads(route) {
  let waiting = false;
  const onWritten = (err) => {
    if (!waiting || err || !route.dst || route.dst.writableLength !== 0) return;
    waiting = false;
    route.src?.resume();
  };
  return {
    buffer: Buffer.allocUnsafe(RELAY_BUFFER_BYTES),
    callback(n, buf) {
      const dst = route.dst;
      if (!dst || dst.destroyed) return false;
      dst.write(buf.subarray(0, n), onWritten);
      if (dst.writableLength === 0) return true;
      waiting = true;
      return false;
    },
  };
}

function pipeConnection(client, socketPath) {
  const down = {};
  const upstream = connect({ path: socketPath, allowHalfOpen: true, onread: forwardReads(down) });
  down.src = upstream;
  down.dst = client;
  client.setNoDelay(true);
  const destroyBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', destroyBoth);
  upstream.on('error', destroyBoth);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  // Half-close travels on: a client that ends its request still gets the whole answer.
  client.on('end', () => upstream.end());
  upstream.on('end', () => client.end());
  client.pipe(upstream, { end: false });
  client.resume();
}

function listen({ host, port, socket }) {
  return new Promise((resolve, reject) => {
    const server = createServer({ allowHalfOpen: true }, (client) => pipeConnection(client, socket));
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => process.stderr.write(`wave-bridge: ${host}:${port}: ${err.message}\n`));
      resolve(server);
    });
  });
}

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

function runChild(command) {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  for (const sig of FORWARDED) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    // Same codes a shell uses: 127 not found, 126 not executable.
    process.stderr.write(`wave-bridge: cannot run ${command[0]}: ${err.message}\n`);
    process.exit(err.code === 'ENOENT' ? 127 : 126);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] ?? 1));
  });
}

const { listens, command } = parseArgs(process.argv.slice(2));
try {
  await Promise.all(listens.map(listen));
} catch (err) {
  fail(`cannot listen: ${err.message}`, 1);
}
if (command) {
  runChild(command);
} else {
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  process.stdout.write(`${READY}\n`);
}
