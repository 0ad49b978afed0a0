// A step's retry block and its mounts, checked on their own.

import path from 'node:path';
import { CONTAINED_PATH_HINT, resolveProjectPath } from './paths.js';
import { type Ctx, type RawStep, report } from './pipeline-context.js';
import { SANDBOX_PATHS } from './sandbox-paths.js';
import type { DocPath } from './types.js';
import { parseDuration } from './units.js';

export function checkRetry(raw: RawStep, at: DocPath, ctx: Ctx): void {
  const r = raw.retry;
  if (!r) return;
  const base = r.base_delay === undefined ? undefined : parseDuration(r.base_delay);
  const max = r.max_delay === undefined ? undefined : parseDuration(r.max_delay);
  if (base !== undefined && max !== undefined && base > max) {
    report(
      ctx,
      'error',
      `step '${raw.id}': retry.base_delay (${r.base_delay}) is longer than retry.max_delay (${r.max_delay})`,
      [...at, 'retry', 'base_delay'],
    );
  }
  if (r.policy === 'none' && r.max_attempts !== undefined && r.max_attempts > 1) {
    report(ctx, 'warning', `step '${raw.id}': retry.max_attempts ${r.max_attempts} overrides policy: none`, [
      ...at,
      'retry',
      'max_attempts',
    ]);
  }
}

/**
 * Container paths Wave owns (inputs, outputs, invocation files, egress sockets, the tmpfs /tmp and the default
 * profile's HOME): a mount on, above or below one would hide it. /wave/src is the step's source: a mount may replace
 * it or sit below it.
 */
const RESERVED_TARGETS = [
  SANDBOX_PATHS.out,
  SANDBOX_PATHS.in,
  SANDBOX_PATHS.meta,
  SANDBOX_PATHS.run,
  '/tmp',
  '/home/wave',
];
const SOURCE_TARGET = SANDBOX_PATHS.src;

export function checkMounts(raw: RawStep, at: DocPath, ctx: Ctx): void {
  const seen: Array<{ target: string; j: number }> = [];
  (raw.workspace?.mount ?? []).forEach((m, j) => {
    const where = [...at, 'workspace', 'mount', j];
    if (!path.posix.isAbsolute(m.target)) {
      report(
        ctx,
        'error',
        `step '${raw.id}': mount target '${m.target}' must be an absolute path inside the container`,
        [...where, 'target'],
        'for example /wave/src or /project',
      );
    } else {
      const target = path.posix.normalize(m.target).replace(/(.)\/$/, '$1');
      const under = (outer: string, inner: string) =>
        inner === outer || inner.startsWith(`${outer === '/' ? '' : outer}/`);
      const hidesSource = under(target, SOURCE_TARGET) && target !== SOURCE_TARGET;
      if (hidesSource || RESERVED_TARGETS.some((r) => under(r, target) || under(target, r))) {
        const message = `step '${raw.id}': mount target '${m.target}' is reserved for Wave (${RESERVED_TARGETS.join(', ')})`;
        const hint = 'mount at /wave/src, below it, or at a path of your own such as /project';
        report(ctx, 'error', message, [...where, 'target'], hint);
      }
      const clash = seen.find((s) => under(s.target, target) || under(target, s.target));
      if (clash) {
        const message = `step '${raw.id}': mount target '${m.target}' overlaps mount ${clash.j + 1}'s '${clash.target}'`;
        const hint = 'give each mount its own folder: a mount cannot be nested in another one';
        report(ctx, 'error', message, [...where, 'target'], hint);
      }
      seen.push({ target, j });
    }
    checkProjectFile(ctx, `step '${raw.id}': mount source '${m.source}'`, m.source, [...where, 'source']);
  });
}

/** A file or folder the step names: inside the project (no escape by `..` or a link) and present. */
export function checkProjectFile(ctx: Ctx, what: string, file: string, at: DocPath): void {
  const resolved = resolveProjectPath(file, ctx.projectDir);
  if (resolved.refused) report(ctx, 'error', `${what} ${resolved.refused}`, at, CONTAINED_PATH_HINT);
  else if (!resolved.exists) {
    const hint = 'paths are relative to the project folder (the one holding wave.yaml)';
    report(ctx, 'error', `${what} not found (looked for ${resolved.path})`, at, hint);
  }
}

/** Each inject_artifacts entry names either an upstream step or another pipeline. */
export function checkInjections(raw: RawStep, at: DocPath, ctx: Ctx): void {
  (raw.memory?.inject_artifacts ?? []).forEach((inj, j) => {
    if (inj === null) return;
    const both = 'step' in inj && 'pipeline' in inj && inj.pipeline !== undefined;
    const neither = !('step' in inj) && !('pipeline' in inj);
    if (both || neither) {
      const message =
        `step '${raw.id}': inject_artifacts entry ${j + 1} needs either step or pipeline` + (both ? ', not both' : '');
      const hint = 'step: an upstream step of this pipeline; pipeline: another pipeline (one of its pipeline_outputs)';
      report(ctx, 'error', message, [...at, 'memory', 'inject_artifacts', j], hint);
    }
  });
}
