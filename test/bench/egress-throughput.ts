// Egress tunnel cost, host-only: client → bridge (the real bridge.mjs, run as a host process listening on a
// loopback port) → Unix socket → egress proxy CONNECT (its own process, as in Wave) → loopback sink, against a
// direct loopback connection from the same client code to the same sink in the same run. Prints throughput (both
// directions), the CPU each path burns per GiB (all processes involved, from /proc), and the added latency per
// connection (connect + first byte, median). Goals: ratio >= 0.8, added latency <= 2 ms. Never asserts timing.
//
// Fairness on a shared machine: direct and tunnel transfers alternate (D T, T D, …) and the ratio is the median of
// the per-pair ratios, so load from other processes hits both paths alike. The CPU figures do not depend on load:
// they say what the tunnel costs, whatever the scheduler did. By default client and sink share the bench process
// (as a client and a server on one host would share cores); BENCH_SINK=process runs the sink in its own process,
// so the direct pair uses two processes as well.
//   node --import tsx test/bench/egress-throughput.ts        (BENCH_BYTES, BENCH_PAIRS, BENCH_SINK=process)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEgressLog } from '../../src/sandbox/egress/log.js';
import { compilePolicy } from '../../src/sandbox/egress/policy.js';
import { createConnectionCap } from '../../src/sandbox/egress/connection-cap.js';
import { startEgressProxy } from '../../src/sandbox/egress/proxy.js';
import { median, report } from './support.js';

const BRIDGE = fileURLToPath(new URL('../../images/base/bridge/bridge.mjs', import.meta.url));
const BYTES = Number(process.env.BENCH_BYTES ?? 64 * 1024 * 1024);
/** Direct/tunnel pairs per direction. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 9);
const SINK_IN_PROCESS = process.env.BENCH_SINK === 'process';
const LATENCY_RUNS = 200;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The first line of the sink protocol says what to do: "up N" (read N bytes, answer "ok") or "down N". */
function sinkServer(): Server {
  return createServer((s) => {
    s.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      s.off('data', onData);
      const [mode, n] = head.slice(0, nl).split(' ');
      const total = Number(n);
      let got = Buffer.byteLength(head.slice(nl + 1), 'latin1');
      if (mode === 'up') {
        const check = () => {
          if (got >= total) s.end('ok');
        };
        s.on('data', (c: Buffer) => {
          got += c.length;
          check();
        });
        check();
      } else {
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += CHUNK.length;
            if (!s.write(CHUNK)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      }
    };
    s.on('data', onData);
  });
}

/** A sink that writes one byte as soon as a connection arrives (for latency). */
function firstByteServer(): Server {
  return createServer((s) => {
    s.on('error', () => undefined);
    s.end('x');
  });
}

type Opener = () => Promise<Socket>;

function directOpener(port: number): Opener {
  return () =>
    new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
      s.once('error', reject);
    });
}

/** Connects to the bridge port and sends CONNECT; resolves once the 200 has been read (surplus is unshifted). */
function tunnelOpener(bridgePort: number, target: string): Opener {
  return () =>
    new Promise((resolve, reject) => {
      const s = connect({ port: bridgePort, host: '127.0.0.1', noDelay: true });
      s.once('error', reject);
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', onData);
        s.pause();
        if (!buf.subarray(0, 12).toString().includes(' 200')) return reject(new Error(buf.toString()));
        if (buf.length > end + 4) s.unshift(buf.subarray(end + 4));
        resolve(s);
      };
      s.on('data', onData);
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
}

async function upload(open: Opener): Promise<number> {
  const s = await open();
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.on('data', () => undefined);
    s.on('end', () => resolve());
    s.write(`up ${BYTES}\n`);
    let sent = 0;
    const pump = () => {
      while (sent < BYTES) {
        sent += CHUNK.length;
        if (!s.write(CHUNK)) return void s.once('drain', pump);
      }
    };
    pump();
    s.resume();
  });
  s.destroy();
  return BYTES / ((performance.now() - start) / 1000) / 1024 / 1024;
}

async function download(open: Opener): Promise<number> {
  const s = await open();
  const start = performance.now();
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      got += c.length;
    });
    s.on('end', () => resolve());
    s.write(`down ${BYTES}\n`);
    s.resume();
  });
  s.destroy();
  return got / ((performance.now() - start) / 1000) / 1024 / 1024;
}

async function firstByte(open: Opener): Promise<number> {
  const start = performance.now();
  const s = await open();
  await new Promise<void>((resolve, reject) => {
    s.once('data', () => resolve());
    s.once('error', reject);
    s.resume();
  });
  const ms = performance.now() - start;
  s.destroy();
  return ms;
}

/** CPU time (user + system, ms) a process has used so far; undefined where /proc is not available. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function cpuOf(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === undefined) return undefined;
    total += ms;
  }
  return total;
}

interface Sample {
  mibs: number;
  cpuMs: number | undefined;
}

async function sample(pids: readonly number[], fn: () => Promise<number>): Promise<Sample> {
  const before = cpuOf(pids);
  const mibs = await fn();
  const after = cpuOf(pids);
  return { mibs, cpuMs: before === undefined || after === undefined ? undefined : after - before };
}

/** Alternates direct and tunnel runs (flipping the order each pair); medians of throughput, per-pair ratio, CPU. */
async function comparePairs(
  name: string,
  pids: readonly number[],
  direct: () => Promise<number>,
  tunnel: () => Promise<number>,
): Promise<void> {
  const d: Sample[] = [];
  const t: Sample[] = [];
  for (let i = 0; i < PAIRS; i++) {
    if (i % 2 === 0) {
      d.push(await sample(pids, direct));
      t.push(await sample(pids, tunnel));
    } else {
      t.push(await sample(pids, tunnel));
      d.push(await sample(pids, direct));
    }
  }
  const gib = BYTES / 1024 ** 3;
  // Summed over all samples: one 64 MiB transfer is only a few clock ticks.
  const cpu = (xs: Sample[]) =>
    xs.every((x) => x.cpuMs !== undefined)
      ? xs.reduce((sum, x) => sum + (x.cpuMs ?? 0), 0) / (gib * xs.length)
      : Number.NaN;
  report(`egress-throughput ${name}`, {
    directMiBs: median(d.map((x) => x.mibs)),
    tunnelMiBs: median(t.map((x) => x.mibs)),
    ratio: median(d.map((x, i) => (t[i]?.mibs ?? 0) / x.mibs)),
    directCpuMsPerGiB: cpu(d),
    tunnelCpuMsPerGiB: cpu(t),
    pairs: PAIRS,
    goal: 'ratio>=0.8',
  });
}

/** The proxy runs in its own process, as it does in Wave (client and sink stand for container and internet). */
async function proxyChild(socketPath: string, sinkPort: number, fbPort: number): Promise<void> {
  const { policy } = compilePolicy({
    mode: 'allowlist',
    allow: [`tcp://sink.wave.test:${sinkPort}`, `tcp://first.wave.test:${fbPort}`],
    hosts: { 'sink.wave.test': '127.0.0.1', 'first.wave.test': '127.0.0.1' },
  });
  const log = createEgressLog({});
  const proxy = await startEgressProxy({ socketPath, policy, log, step: 'bench', cap: createConnectionCap(1024) });
  process.stdout.write('proxy ready\n');
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}

/** BENCH_SINK=process: the sinks in their own process; prints their ports. */
async function sinkChild(): Promise<void> {
  const sinkPort = await listen(sinkServer());
  const fbPort = await listen(firstByteServer());
  process.stdout.write(`sinks ${sinkPort} ${fbPort}\n`);
}

function waitForLine(child: ReturnType<typeof spawn>, line: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not become ready`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wave-bench-'));
  const sink = sinkServer();
  const fb = firstByteServer();
  let sinkPort = await listen(sink);
  let fbPort = await listen(fb);
  const children: Array<ReturnType<typeof spawn>> = [];
  const self = fileURLToPath(import.meta.url);
  if (SINK_IN_PROCESS) {
    const child = spawn(process.execPath, ['--import', 'tsx', self, '--sink-child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    [sinkPort, fbPort] = await new Promise<[number, number]>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        const m = /sinks (\d+) (\d+)/.exec(d.toString());
        if (m) resolve([Number(m[1]), Number(m[2])]);
      });
      child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
    });
  }
  const socketPath = join(dir, 'egress.sock');
  const proxy = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--proxy-child', socketPath, String(sinkPort), String(fbPort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(proxy);
  // A free loopback port for the bridge (it takes a fixed port, as in the container).
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  try {
    await waitForLine(proxy, 'proxy ready', 'proxy');
    const bridge = spawn(process.execPath, [BRIDGE, '--listen', `127.0.0.1:${port}=${socketPath}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(bridge);
    await waitForLine(bridge, 'wave-bridge: ready', 'bridge');
    // Every process either path may use: idle ones add nothing.
    const pids = [process.pid, ...children.map((c) => c.pid ?? 0)];
    const direct = directOpener(sinkPort);
    const tunnel = tunnelOpener(port, `sink.wave.test:${sinkPort}`);
    // Warm up both paths (JIT, socket buffers).
    for (let i = 0; i < 2; i++) {
      await upload(direct);
      await upload(tunnel);
      await download(direct);
      await download(tunnel);
    }
    report('egress-throughput setup', {
      cores: cpus().length,
      load1: loadavg()[0] ?? 0,
      mib: BYTES / 1024 ** 2,
      sink: SINK_IN_PROCESS ? 'own-process' : 'bench-process',
    });
    await comparePairs(
      'upload',
      pids,
      () => upload(direct),
      () => upload(tunnel),
    );
    await comparePairs(
      'download',
      pids,
      () => download(direct),
      () => download(tunnel),
    );

    const fbDirect = directOpener(fbPort);
    const fbTunnel = tunnelOpener(port, `first.wave.test:${fbPort}`);
    for (let i = 0; i < 20; i++) {
      await firstByte(fbDirect);
      await firstByte(fbTunnel);
    }
    const directTimes: number[] = [];
    const tunnelTimes: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      directTimes.push(await firstByte(fbDirect));
      tunnelTimes.push(await firstByte(fbTunnel));
    }
    const d = median(directTimes);
    const t = median(tunnelTimes);
    report('egress-latency connect+first-byte', {
      directMs: d,
      tunnelMs: t,
      addedMs: t - d,
      runs: LATENCY_RUNS,
      goal: 'added<=2ms',
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => sink.close(r));
    await new Promise((r) => fb.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--proxy-child');
if (childAt >= 0) {
  const [socketPath, sinkPort, fbPort] = process.argv.slice(childAt + 1);
  await proxyChild(socketPath ?? '', Number(sinkPort), Number(fbPort));
} else if (process.argv.includes('--sink-child')) {
  await sinkChild();
  process.on('SIGTERM', () => process.exit(0));
} else {
  await main();
}
