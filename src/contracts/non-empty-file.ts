// non_empty_file: the output exists, is a regular file inside the out folder, is not empty, and (optionally) is
// not larger than max_size.
import { parseMemory } from '../config/units.js';
import { locateSource, containerPath, sourceOf } from './source.js';
import type { ContractDefinition, ContractInput, NonEmptyFileSpec } from './types.js';
import { showValue } from '../config/problems.js';

/** Bytes from 2048, "10kb", "1mb" (binary units); undefined when malformed. */
export function maxSizeOf(spec: ContractInput): number | undefined {
  const v = spec.max_size;
  if (typeof v === 'number' || typeof v === 'string') return parseMemory(v);
  return undefined;
}

export const nonEmptyFileContract: ContractDefinition<NonEmptyFileSpec> = {
  type: 'non_empty_file',

  validate(spec) {
    if (spec.max_size === undefined || maxSizeOf(spec) !== undefined) return [];
    return [`non_empty_file: max_size '${showValue(spec.max_size)}' is not a size such as 2048, "10kb" or "1mb"`];
  },

  async check(spec, ctx) {
    const src = await locateSource(spec, ctx);
    const details = { source: src.rel, size: src.size };
    if (src.size === 0) return { errors: [{ path: src.rel, message: 'is empty (0 bytes)' }], details };
    const max = maxSizeOf(spec);
    if (max !== undefined && src.size > max) {
      return {
        errors: [
          { path: src.rel, message: `is ${src.size} bytes; the limit is ${max} bytes (${showValue(spec.max_size)})` },
        ],
        details,
      };
    }
    return { errors: [], details };
  },

  async describe(spec, env) {
    const max = spec.max_size !== undefined ? `, at most ${showValue(spec.max_size)}` : '';
    return `\`${containerPath(sourceOf(spec, env.outputs))}\` must exist and must not be empty${max}.`;
  },
};
