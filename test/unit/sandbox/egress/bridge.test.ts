// The in-container bridge, run on the host: loopback port → Unix socket, the child command with inherited
// stdio, forwarded signals, and its exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { tempDir, within } from './helpers.js';

const BRIDGE = fileURLToPath(new URL('../../../../images/base/bridge/bridge.mjs', import.meta.url));
const dir = tempDir();
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  dir.remove();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A Unix-socket server that answers every connection with "pong:<what it received>". */
async function unixEcho(name: string): Promise<string> {
  const path = join(dir.path, name);
  const server = createServer((s) => s.on('data', (d) => s.end(`pong:${d.toString()}`)));
  await new Promise<void>((r) => server.listen(path, r));
  servers.push(server);
  return path;
}

function run(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [BRIDGE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return within(
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    }),
    10_000,
    'bridge',
  ).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
}

const CLIENT = (port: number) =>
  `const s=require('net').connect(${port},'127.0.0.1');s.on('data',d=>{process.stdout.write(d.toString());});s.on('end',()=>process.exit(7));s.write('ping');`;

describe('egress bridge', () => {
  it('listens before starting the child, forwards to the socket, and exits with the child code', async () => {
    const sock = await unixEcho('a.sock');
    const port = await freePort();
    const r = await run(['--listen', `127.0.0.1:${port}=${sock}`, '--', process.execPath, '-e', CLIENT(port)]);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'pong:ping');
  });

  it('forwards SIGTERM to the child', async () => {
    const sock = await unixEcho('b.sock');
    const port = await freePort();
    const child = `process.on('SIGTERM',()=>{console.log('got TERM');process.exit(3)});console.log('ready');setInterval(()=>{},1000);`;
    const r = await run(['--listen', `127.0.0.1:${port}=${sock}`, '--', process.execPath, '-e', child], (out, proc) => {
      if (out === 'ready\n') proc.kill('SIGTERM');
    });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'ready\ngot TERM\n');
  });

  it('exits 128+n when the child dies of signal n, and 127 when the command does not exist', async () => {
    const sock = await unixEcho('c.sock');
    const killed = await run(['--listen', `127.0.0.1:${await freePort()}=${sock}`, '--', 'sh', '-c', 'kill -9 $$']);
    assert.equal(killed.code, 137);
    const missing = await run(['--listen', `127.0.0.1:${await freePort()}=${sock}`, '--', '/no/such/command']);
    assert.equal(missing.code, 127);
  });

  it('sidecar mode prints the ready line and stops on SIGTERM', async () => {
    const sock = await unixEcho('d.sock');
    const r = await run(['--listen', `127.0.0.1:${await freePort()}=${sock}`], (out, proc) => {
      if (out.includes('wave-bridge: ready')) proc.kill('SIGTERM');
    });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'wave-bridge: ready\n');
  });

  it('refuses to listen on anything but loopback', async () => {
    for (const spec of ['0.0.0.0:3128=/x.sock', '10.0.0.1:3128=/x.sock', '127.0.0.1:3128=relative.sock']) {
      const r = await run(['--listen', spec, '--', 'true']);
      assert.equal(r.code, 2, spec);
      assert.match(r.stderr, /--listen expects/);
    }
  });
});
