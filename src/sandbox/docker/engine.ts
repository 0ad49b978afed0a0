// Which Docker engine to talk to, chosen like the docker CLI does: DOCKER_HOST (unix://, tcp:// with
// DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, ssh://), else the local socket. dockerode is imported lazily so commands
// that never touch Docker (`wave --version`) do not pay for loading it.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';

export interface EngineTarget {
  kind: 'unix' | 'tcp' | 'ssh' | 'npipe';
  /** What we connect to, for messages: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  address: string;
  /** The DOCKER_HOST value used, or undefined for the default socket. */
  dockerHost: string | undefined;
  tls: boolean;
  /** Options for `new Docker(...)`. Every connection field is set so docker-modem's own env parsing is overridden. */
  options: Docker.DockerOptions;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

const unavailableHint = 'is dockerd running? start it or set DOCKER_HOST';

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function tlsFiles(env: NodeJS.ProcessEnv, address: string): Pick<Docker.DockerOptions, 'ca' | 'cert' | 'key'> {
  const dir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
  try {
    return {
      ca: readFileSync(join(dir, 'ca.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
      key: readFileSync(join(dir, 'key.pem')),
    };
  } catch (err) {
    throw new WaveError(
      'docker_unavailable',
      `cannot read TLS certificates for ${address} from ${dir}: ${(err as Error).message}`,
      {
        hint: 'set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem, or unset DOCKER_TLS_VERIFY',
        cause: err,
      },
    );
  }
}

/** Resolves DOCKER_HOST (or the default socket) into connection options. Throws on a malformed DOCKER_HOST. */
export function resolveEngineTarget(env: NodeJS.ProcessEnv = process.env): EngineTarget {
  const dockerHost = env.DOCKER_HOST?.trim() || undefined;
  const none = { host: undefined, port: undefined, socketPath: undefined, protocol: undefined } as const;
  if (!dockerHost) {
    return {
      kind: 'unix',
      address: `unix://${DEFAULT_SOCKET}`,
      dockerHost,
      tls: false,
      options: { ...none, socketPath: DEFAULT_SOCKET },
    };
  }
  const bad = (why: string) =>
    new WaveError('docker_unavailable', `DOCKER_HOST=${dockerHost} is not usable: ${why}`, {
      hint: 'use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host',
    });
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length) || DEFAULT_SOCKET;
    return { kind: 'unix', address: `unix://${socketPath}`, dockerHost, tls: false, options: { ...none, socketPath } };
  }
  if (dockerHost.startsWith('npipe://')) {
    const socketPath = dockerHost.slice('npipe://'.length) || '//./pipe/docker_engine';
    return { kind: 'npipe', address: dockerHost, dockerHost, tls: false, options: { ...none, socketPath } };
  }
  let url: URL;
  try {
    url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw bad('not a URL');
  }
  if (!url.hostname) throw bad('no host name');
  if (url.protocol === 'ssh:') {
    const address = `ssh://${url.username ? `${url.username}@` : ''}${url.host}`;
    const options: Docker.DockerOptions = {
      ...none,
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      sshOptions: env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {},
    };
    if (url.username) options.username = decodeURIComponent(url.username);
    return { kind: 'ssh', address, dockerHost, tls: false, options };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(`unsupported scheme ${url.protocol}`);
  const port = url.port || (truthy(env.DOCKER_TLS_VERIFY) ? '2376' : '2375');
  const tls = truthy(env.DOCKER_TLS_VERIFY) || url.protocol === 'https:' || port === '2376';
  const address = `tcp://${url.hostname}:${port}`;
  const options: Docker.DockerOptions = { ...none, protocol: tls ? 'https' : 'http', host: url.hostname, port };
  if (tls && (truthy(env.DOCKER_TLS_VERIFY) || env.DOCKER_CERT_PATH)) Object.assign(options, tlsFiles(env, address));
  return { kind: 'tcp', address, dockerHost, tls, options };
}

/** A one-line explanation of why the engine could not be reached, with a hint that fits the cause. */
export function engineUnavailable(target: EngineTarget, err: unknown): WaveError {
  const e = err as NodeJS.ErrnoException;
  const reason =
    e?.code === 'ENOENT'
      ? 'no socket there'
      : e?.code === 'EACCES'
        ? 'permission denied'
        : e?.code === 'ECONNREFUSED'
          ? 'connection refused'
          : e?.name === 'TimeoutError' || e?.name === 'AbortError'
            ? 'no answer in time'
            : (e?.message ?? String(err)).split('\n')[0];
  const hint =
    e?.code === 'EACCES'
      ? `your user may not use ${target.address}: add it to the docker group, or set DOCKER_HOST`
      : target.dockerHost
        ? `check DOCKER_HOST=${target.dockerHost}; ${unavailableHint}`
        : unavailableHint;
  return new WaveError('docker_unavailable', `cannot reach the Docker engine at ${target.address} (${reason})`, {
    hint,
    cause: err,
  });
}

export interface EngineConnection {
  docker: Docker;
  target: EngineTarget;
}

export interface ConnectOptions {
  /** Where DOCKER_HOST and friends are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long the engine has to answer the ping; default 5 s. */
  timeoutMs?: number;
}

/** Creates a client for the selected engine and checks that it answers. Lazily imports dockerode. */
export async function connectDocker(options: ConnectOptions = {}): Promise<EngineConnection> {
  const target = resolveEngineTarget(options.env);
  const { default: DockerCtor } = await import('dockerode');
  let docker: Docker;
  try {
    docker = new DockerCtor(target.options);
  } catch (err) {
    throw engineUnavailable(target, err);
  }
  try {
    // dockerode's ping accepts an abortSignal; its typings do not say so.
    const ping = docker.ping.bind(docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
  } catch (err) {
    throw engineUnavailable(target, err);
  }
  return { docker, target };
}
