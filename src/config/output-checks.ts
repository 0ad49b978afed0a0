// The original format's contract vocabulary folded into Wave's, and the check a typed output artifact implies.
//
//   on_failure: retry     → fail  (a failed attempt is retried by the step's retry policy, with the feedback)
//   on_failure: continue  → warn  (recorded, the step goes on)
//   must_pass: false      → a failure is soft (warn) whatever on_failure says, unless it says skip
//   on_failure: rejected and rework act in the engine (engine/executor.ts, engine/rework.ts).

import { type Contract, type OutputArtifact, ON_FAILURE_ALIASES } from './types.js';

export function normaliseContract(c: Contract): Contract {
  const { must_pass: mustPass, ...rest } = c;
  const written = rest.on_failure as string | undefined;
  let onFailure = written === undefined ? undefined : (ON_FAILURE_ALIASES[written] ?? rest.on_failure);
  if (mustPass === false && onFailure !== 'skip') onFailure = 'warn';
  return { ...rest, ...(onFailure === undefined ? {} : { on_failure: onFailure }) };
}

/** Output types whose files must parse as that format. */
const PARSED_TYPES = new Set<OutputArtifact['type']>(['json', 'yaml']);

/**
 * A `format` contract for each required output file (not a folder) declared `type: json` or `type: yaml` that no
 * json_schema or format contract of the step already reads: the declared type is checked, not merely written
 * down. `typed`: the outputs whose type is written in the file; `first`: the default source of a contract.
 */
export function impliedFormatContracts(
  typed: OutputArtifact[],
  first: string | undefined,
  contracts: readonly Contract[],
): Contract[] {
  const checked = new Set(
    contracts
      .filter((c) => c !== null && (c.type === 'json_schema' || c.type === 'format'))
      .map((c) => c.source ?? first),
  );
  return typed
    .filter((o) => o.required && PARSED_TYPES.has(o.type) && !o.path.endsWith('/') && !checked.has(o.path))
    .map((o) => ({ type: 'format', format: o.type as 'json' | 'yaml', source: o.path, on_failure: 'fail' }));
}
