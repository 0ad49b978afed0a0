// Runs a command in an image the way the sandbox runs a step: read-only root, tmpfs /tmp and HOME, every
// capability dropped, no-new-privileges, no network, uid 10001. dockerode directly: the image tests must not
// depend on the sandbox module.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runHardened(
  docker: Docker,
  image: string,
  argv: string[],
  timeoutMs = 120_000,
): Promise<RunResult> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: argv,
    User: '10001:10001',
    Env: ['HOME=/home/wave'],
    Labels: { 'wave.owner': 'test-images' },
    HostConfig: {
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,size=256m',
        '/home/wave': 'rw,nosuid,nodev,size=256m,uid=10001,gid=10001,mode=0700',
      },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      NetworkMode: 'none',
      PidsLimit: 256,
      Memory: 1024 * 1024 * 1024,
    },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    out.on('data', (c: Buffer) => chunks.stdout.push(c));
    err.on('data', (c: Buffer) => chunks.stderr.push(c));
    docker.modem.demuxStream(stream, out, err);
    await container.start();
    const timer = setTimeout(() => void container.kill().catch(() => {}), timeoutMs);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    clearTimeout(timer);
    // Let the attach stream drain the last frames.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      exitCode: StatusCode,
      stdout: Buffer.concat(chunks.stdout).toString(),
      stderr: Buffer.concat(chunks.stderr).toString(),
    };
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
