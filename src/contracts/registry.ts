// Every contract type Wave knows, and the checks of a contract's configuration. An unknown type is an error at
// load time and at run time — never a silent pass, which is what the original did with anything it did not know.
import { CONTRACT_TYPES, ON_FAILURE_VALUES } from '../config/types.js';
import { ContractConfigError } from './failure.js';
import { agentReviewContract } from './agent-review.js';
import { formatContract } from './format.js';
import { jsonSchemaContract } from './json-schema.js';
import { llmJudgeContract } from './llm-judge.js';
import { markdownSpecContract } from './markdown-spec.js';
import { nonEmptyFileContract } from './non-empty-file.js';
import { unsafeRelativePath } from './source.js';
import { foreignKeys } from './spec-checks.js';
import { sourceDiffContract } from './source-diff.js';
import { testCountBaselineContract } from './test-count-baseline.js';
import { testDiffContract } from './test-diff.js';
import { testSuiteContract } from './test-suite.js';
import { typescriptInterfaceContract } from './typescript-interface.js';
import type { ContractDefinition, ContractInput, ContractSpec, ContractType, OnFailure, ResolvePath } from './types.js';
import { showValue } from '../config/problems.js';
import { reworkProblems } from '../config/pipeline-contract.js';

type Registry = { [T in ContractType]: ContractDefinition<Extract<ContractSpec, { type: T }>> };

const registry: Registry = {
  json_schema: jsonSchemaContract,
  typescript_interface: typescriptInterfaceContract,
  test_suite: testSuiteContract,
  markdown_spec: markdownSpecContract,
  format: formatContract,
  non_empty_file: nonEmptyFileContract,
  source_diff: sourceDiffContract,
  test_diff: testDiffContract,
  test_count_baseline: testCountBaselineContract,
  agent_review: agentReviewContract,
  llm_judge: llmJudgeContract,
};

export const knownContractTypes: readonly ContractType[] = CONTRACT_TYPES;
export { ON_FAILURE_VALUES };

export function isContractType(value: unknown): value is ContractType {
  return typeof value === 'string' && Object.hasOwn(registry, value);
}

/** The definition of a validated spec's type. */
export function definitionOf(spec: ContractSpec): ContractDefinition {
  return registry[spec.type];
}

/** Everything wrong with a contract's configuration, as messages; empty when it can run. */
export function validateContractSpec(spec: unknown): string[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    return ['a contract must be a mapping with a type'];
  const input = spec as Record<string, unknown>;
  if (input.type === undefined) return [`a contract needs a type (one of: ${knownContractTypes.join(', ')})`];
  if (!isContractType(input.type)) {
    return [`unknown contract type '${showValue(input.type)}' (known: ${knownContractTypes.join(', ')})`];
  }
  const typed = input as ContractInput;
  const problems: string[] = [];
  if (typed.source !== undefined) {
    const unsafe = typeof typed.source === 'string' ? unsafeRelativePath(typed.source) : 'must be a string';
    if (unsafe) problems.push(`${typed.type}: source '${showValue(typed.source)}' ${unsafe}`);
  }
  if (typed.on_failure !== undefined && !ON_FAILURE_VALUES.includes(typed.on_failure as OnFailure)) {
    problems.push(
      `${typed.type}: on_failure '${showValue(typed.on_failure)}' must be one of: ${ON_FAILURE_VALUES.join(', ')}`,
    );
  }
  problems.push(...foreignKeys(typed), ...reworkKeys(typed), ...registry[input.type].validate(typed));
  return problems;
}

/** The rework keys, as the pipeline loader checks them. */
function reworkKeys(spec: ContractInput): string[] {
  return reworkProblems(spec).map((problem) => `${spec.type}: ${problem}`);
}

/** A validated spec, or a ContractConfigError listing every problem. */
export function asContractSpec(spec: unknown): ContractSpec {
  const problems = validateContractSpec(spec);
  if (problems.length > 0) throw new ContractConfigError(problems.join('; '));
  return spec as ContractSpec;
}

/**
 * For `wave validate`: the configuration is valid and the files it names exist and make sense (schemas parse and
 * compile, the interface file declares the interface). Returns messages; empty when all is well.
 */
export async function checkContractFiles(spec: unknown, resolvePath: ResolvePath): Promise<string[]> {
  const problems = validateContractSpec(spec);
  if (problems.length > 0) return problems;
  const typed = spec as ContractSpec;
  const definition = definitionOf(typed);
  return definition.checkFiles ? definition.checkFiles(typed, resolvePath) : [];
}
