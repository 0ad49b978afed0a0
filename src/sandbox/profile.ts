// The sandbox profile: hardening defaults and limits, read from sandbox-profiles/default.yaml so they can be
// reviewed (and tuned) without reading code. Parsed once and validated strictly: a typo in a limit must not
// silently fall back to "unlimited".
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as units from '../config/units.js';
import { WaveError } from '../errors.js';
import type { EgressLimits } from './egress/limits.js';
import type { SandboxNetwork } from './types.js';

export interface SandboxProfile {
  memoryBytes: number;
  cpus: number;
  pids: number;
  tmpBytes: number;
  homeBytes: number;
  tmpfsExec: boolean;
  /** uid:gid used inside the container when Wave runs as root. */
  rootUser: string;
  home: string;
  network: SandboxNetwork;
  killGraceMs: number;
  /** What a step may leave in /wave/out: default quotas (resources.out_size / out_files override them) and nesting. */
  outputs: { maxBytes: number; maxFiles: number; maxDepth: number };
  maxLineBytes: number;
  /** The host side of the step's egress socket: what the step may hold of the Wave process, and for how long. */
  egress: EgressLimits;
}

/** sandbox-profiles/ sits two levels above this file both in src/ (tsx) and in dist/ (compiled). */
export const DEFAULT_PROFILE_PATH = fileURLToPath(new URL('../../sandbox-profiles/default.yaml', import.meta.url));

/** "4g", "256m", "100Mi", "10MiB", 1024 → bytes (the grammar is config's parseMemory). Throws naming `what`. */
export function parseSize(value: unknown, what = 'size'): number {
  const bytes = typeof value === 'string' || typeof value === 'number' ? units.parseMemory(value) : undefined;
  if (bytes === undefined) {
    throw new Error(`${what}: expected a positive size like 512m or 4g, got ${JSON.stringify(value)}`);
  }
  return bytes;
}

/** "5s", "500ms", "2m", 5000 (ms) → milliseconds (the grammar is config's parseDuration). Throws naming `what`. */
export function parseDuration(value: unknown, what = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const ms = typeof value === 'string' ? units.parseDuration(value) : undefined;
  if (ms === undefined) {
    throw new Error(`${what}: expected a duration (${units.durationForms()}), got ${JSON.stringify(value)}`);
  }
  return ms;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${what}: expected a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A duration that must limit something: 0 would mean "no timeout" to the timers it feeds. */
function positiveDuration(value: unknown, what: string): number {
  const ms = parseDuration(value, what);
  if (!(ms > 0)) throw new Error(`${what}: must be more than 0, got ${JSON.stringify(value)}`);
  return ms;
}

function positiveInteger(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new Error(`${what}: expected a positive whole number, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: expected a mapping`);
  return value as Record<string, unknown>;
}

/** Validates a parsed profile document. Every field is required so the YAML file stays the one source. */
export function parseSandboxProfile(doc: unknown): SandboxProfile {
  const root = record(doc, 'profile');
  const limits = record(root.limits, 'limits');
  const tmpfs = record(root.tmpfs, 'tmpfs');
  const outputs = record(root.outputs, 'outputs');
  const egress = record(root.egress, 'egress');
  const rootUser = root.rootUser;
  if (typeof rootUser !== 'string' || !/^[1-9]\d*:[1-9]\d*$/.test(rootUser)) {
    throw new Error(`rootUser: expected a non-root "uid:gid", got ${JSON.stringify(rootUser)}`);
  }
  const home = root.home;
  if (typeof home !== 'string' || !home.startsWith('/')) throw new Error('home: expected an absolute path');
  if (root.network !== 'none')
    throw new Error(`network: only "none" is supported, got ${JSON.stringify(root.network)}`);
  if (typeof tmpfs.exec !== 'boolean') throw new Error('tmpfs.exec: expected true or false');
  return {
    memoryBytes: parseSize(limits.memory, 'limits.memory'),
    cpus: positive(limits.cpus, 'limits.cpus'),
    pids: Math.trunc(positive(limits.pids, 'limits.pids')),
    tmpBytes: parseSize(tmpfs.tmp, 'tmpfs.tmp'),
    homeBytes: parseSize(tmpfs.home, 'tmpfs.home'),
    tmpfsExec: tmpfs.exec,
    rootUser,
    home,
    network: 'none',
    killGraceMs: parseDuration(root.killGrace, 'killGrace'),
    outputs: {
      maxBytes: parseSize(outputs.maxBytes, 'outputs.maxBytes'),
      maxFiles: Math.trunc(positive(outputs.maxFiles, 'outputs.maxFiles')),
      maxDepth: Math.trunc(positive(outputs.maxDepth, 'outputs.maxDepth')),
    },
    maxLineBytes: parseSize(root.maxLineBytes, 'maxLineBytes'),
    egress: {
      maxConnections: positiveInteger(egress.maxConnections, 'egress.maxConnections'),
      gatewayBodyBudgetBytes: parseSize(egress.gatewayBodyBudget, 'egress.gatewayBodyBudget'),
      connectTimeoutMs: positiveDuration(egress.connectTimeout, 'egress.connectTimeout'),
      requestIdleTimeoutMs: positiveDuration(egress.requestIdleTimeout, 'egress.requestIdleTimeout'),
      tunnelIdleTimeoutMs: positiveDuration(egress.tunnelIdleTimeout, 'egress.tunnelIdleTimeout'),
      gatewayIdleTimeoutMs: positiveDuration(egress.gatewayIdleTimeout, 'egress.gatewayIdleTimeout'),
    },
  };
}

const cache = new Map<string, SandboxProfile>();

/** Reads and validates a profile file (default: the packaged default.yaml); cached per path. */
export function loadSandboxProfile(path: string = DEFAULT_PROFILE_PATH): SandboxProfile {
  const hit = cache.get(path);
  if (hit) return hit;
  let profile: SandboxProfile;
  try {
    profile = parseSandboxProfile(parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new WaveError('manifest_invalid', `${path}: invalid sandbox profile: ${(err as Error).message}`, {
      hint: 'fix the file, or restore it from the Wave package',
      cause: err,
    });
  }
  cache.set(path, profile);
  return profile;
}
