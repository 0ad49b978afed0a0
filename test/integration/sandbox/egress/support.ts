// Containers for the egress integration tests, created directly with dockerode and hardened like a step
// (network none, read-only rootfs, no capabilities, no-new-privileges, uid 10001, tmpfs /tmp and HOME) plus the
// egress attachment. Labelled `wave.test.egress=<id>` (not wave.managed: the reaper must never see them) and
// removed by cleanup() whatever happens.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { nanoid } from 'nanoid';
import { dockerForTests, imageForTests, TEST_IMAGE } from '../../../support/docker.js';
import { imageHasBridge, type EgressAttachment, type EgressMount } from '../../../../src/sandbox/egress/attachment.js';

export { TEST_IMAGE };
export const TEST_LABEL = 'wave.test.egress';
export const CONTAINER_USER = { uid: 10001, gid: 10001 };

/** The repo's bridge, mounted into images built before the bridge was added to images/base. */
export const BRIDGE_HOST_PATH = fileURLToPath(new URL('../../../../images/base/bridge/bridge.mjs', import.meta.url));

export interface EgressTestEnv {
  docker: Docker;
  skip: false | string;
  /** True when TEST_IMAGE carries the bridge itself (label wave.bridge=1). */
  imageBridge: boolean;
  runId: string;
}

export async function egressTestEnv(): Promise<EgressTestEnv> {
  const { docker, skip } = await dockerForTests();
  const imageSkip = skip || (await imageForTests(docker));
  let imageBridge = false;
  if (!imageSkip) {
    const info = await docker.getImage(TEST_IMAGE).inspect();
    imageBridge = imageHasBridge(info.Config?.Labels ?? null);
  }
  if (!existsSync(BRIDGE_HOST_PATH)) throw new Error(`missing ${BRIDGE_HOST_PATH}`);
  return { docker, skip: imageSkip, imageBridge, runId: `egress-${nanoid(6).replace(/[^a-zA-Z0-9]/g, 'x')}` };
}

/** Session option: mount the repo's bridge only when the image lacks it. */
export function bridgeOption(env: EgressTestEnv): { bridgeScriptHostPath?: string } {
  return env.imageBridge ? {} : { bridgeScriptHostPath: BRIDGE_HOST_PATH };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerSpec {
  argv: string[];
  env?: Record<string, string>;
  mounts?: EgressMount[];
  /** Default 'none'. */
  networkMode?: string;
}

function createOptions(env: EgressTestEnv, spec: ContainerSpec): Docker.ContainerCreateOptions {
  return {
    Image: TEST_IMAGE,
    Entrypoint: [],
    Cmd: spec.argv,
    Env: Object.entries({ HOME: '/home/wave', ...(spec.env ?? {}) }).map(([k, v]) => `${k}=${v}`),
    User: `${CONTAINER_USER.uid}:${CONTAINER_USER.gid}`,
    WorkingDir: '/tmp',
    Labels: { [TEST_LABEL]: env.runId },
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Init: true,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      NetworkMode: spec.networkMode ?? 'none',
      Memory: 512 * 1024 * 1024,
      PidsLimit: 256,
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,size=64m,mode=1777',
        '/home/wave': `rw,nosuid,nodev,size=64m,uid=${CONTAINER_USER.uid},gid=${CONTAINER_USER.gid},mode=0700`,
      },
      Mounts: (spec.mounts ?? []).map((m) => ({
        Type: 'bind' as const,
        Source: m.host,
        Target: m.container,
        ReadOnly: m.readOnly,
      })),
    },
  };
}

/** Creates, attaches, starts; returns the container and its demultiplexed output streams. */
export async function startContainer(env: EgressTestEnv, spec: ContainerSpec) {
  const container = await env.docker.createContainer(createOptions(env, spec));
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const out = new PassThrough();
  const err = new PassThrough();
  env.docker.modem.demuxStream(stream, out, err);
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  err.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await container.start();
  return { container, output: () => ({ stdout, stderr }), stream };
}

/** Runs a command to completion (killed after timeoutMs) and removes the container. */
export async function runContainer(env: EgressTestEnv, spec: ContainerSpec, timeoutMs = 60_000): Promise<RunResult> {
  const { container, output, stream } = await startContainer(env, spec);
  const timer = setTimeout(() => void container.kill().catch(() => undefined), timeoutMs);
  try {
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    // The attach stream ends shortly after the container exits; wait for it so no output is lost.
    await new Promise<void>((resolve) => {
      if ((stream as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) return resolve();
      const t = setTimeout(resolve, 2000);
      stream.once('end', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return { exitCode: StatusCode, ...output() };
  } finally {
    clearTimeout(timer);
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Runs `argv` as a step with the attachment applied (inline mode). */
export function runStep(
  env: EgressTestEnv,
  attachment: EgressAttachment,
  argv: string[],
  extraEnv: Record<string, string> = {},
): Promise<RunResult> {
  return runContainer(env, {
    argv: attachment.wrapArgv(argv),
    env: { ...attachment.env, ...extraEnv },
    mounts: attachment.mounts,
  });
}

export async function cleanup(env: EgressTestEnv): Promise<void> {
  const list = await env.docker
    .listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${env.runId}`] } })
    .catch(() => []);
  await Promise.all(
    list.map((c) =>
      env.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** One connection a step opens by hand to a loopback port (the bridge to the proxy or a gateway). */
export interface RawConnection {
  port: number;
  /** Written in order; a chunk with `after` is written once the reply so far contains that text. */
  send: Array<{ data: string; after?: string }>;
}

export interface RawReply {
  reply: string;
  /** closed (by the host side), idle (nothing more came), waiting (an `after` never came) or error <code>. */
  end: string;
}

// The step's raw HTTP client (node inside the container): exact bytes on one connection, so requests a real
// client would never send (smuggling, pipelining) reach the host side as written.
const RAW_CLIENT = `
const net=require('net');const plan=JSON.parse(process.env.RAW_PLAN);
const one=(c)=>new Promise((res)=>{let reply='';let i=0;let t;const s=net.connect(c.port,'127.0.0.1');
  const done=(end)=>{clearTimeout(t);s.destroy();res({reply,end})};
  const arm=()=>{clearTimeout(t);t=setTimeout(()=>done(i<c.send.length?'waiting':'idle'),i<c.send.length?8000:1500)};
  const ready=()=>i<c.send.length&&(!c.send[i].after||reply.includes(c.send[i].after));
  const pump=()=>{while(ready())s.write(c.send[i++].data);arm()};
  s.on('connect',pump);s.on('data',(d)=>{reply+=d.toString('latin1');pump()});
  s.on('close',()=>done('closed'));s.on('error',(e)=>done('error '+e.code))});
(async()=>{const out=[];for(const c of plan)out.push(await one(c));console.log(JSON.stringify(out))})();`;

/** Runs the raw client in a step container; one reply per connection, in order. */
export async function runRawClient(
  env: EgressTestEnv,
  attachment: EgressAttachment,
  plan: RawConnection[],
): Promise<RawReply[]> {
  const r = await runStep(env, attachment, ['node', '-e', RAW_CLIENT], { RAW_PLAN: JSON.stringify(plan) });
  if (r.exitCode !== 0) throw new Error(`raw client exited ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as RawReply[];
}
