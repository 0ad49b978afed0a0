// A check that cannot go on (the file is missing, a link, not JSON …) throws CheckFailed; runContracts turns it
// into the contract's errors. Anything else thrown is a bug or an infrastructure problem and propagates.
import type { ContractError } from './types.js';

export class CheckFailed extends Error {
  readonly errors: ContractError[];
  readonly details: Record<string, unknown>;

  constructor(errors: ContractError | ContractError[], details: Record<string, unknown> = {}) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '));
    this.name = 'CheckFailed';
    this.errors = list;
    this.details = details;
  }
}

/**
 * The contract's configuration is broken (schema file missing or not compiling, interface not declared). Such a
 * failure is hard whatever on_failure says: a warn-only contract with a broken schema would otherwise pass forever.
 */
export class ContractConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractConfigError';
  }
}
