// Little validators shared by the contract types' validate() functions. Messages name the key and what it takes.
import type { ContractInput } from './types.js';

export function expectString(spec: ContractInput, key: string, required: boolean): string[] {
  const v = spec[key];
  if (v === undefined) return required ? [`${spec.type}: '${key}' is required`] : [];
  return typeof v === 'string' && v.trim() !== '' ? [] : [`${spec.type}: '${key}' must be a non-empty string`];
}

export function expectBoolean(spec: ContractInput, key: string): string[] {
  const v = spec[key];
  return v === undefined || typeof v === 'boolean' ? [] : [`${spec.type}: '${key}' must be true or false`];
}

export function expectPositiveInteger(spec: ContractInput, key: string): string[] {
  const v = spec[key];
  return v === undefined || (Number.isInteger(v) && (v as number) > 0)
    ? []
    : [`${spec.type}: '${key}' must be a positive integer`];
}

export function expectNumberIn(spec: ContractInput, key: string, min: number, max: number): string[] {
  const v = spec[key];
  return v === undefined || (typeof v === 'number' && v >= min && v <= max)
    ? []
    : [`${spec.type}: '${key}' must be a number from ${min} to ${max}`];
}

export function expectStringList(spec: ContractInput, key: string): string[] {
  const v = spec[key];
  const ok = v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== ''));
  return ok ? [] : [`${spec.type}: '${key}' must be a list of strings`];
}

/** Keys that belong to another contract type are a mistake (a typo'd type, or a key copied from elsewhere). */
const OWNED_KEYS: Record<string, string> = {
  schema_path: 'json_schema, typescript_interface',
  schema: 'json_schema',
  recover: 'json_schema',
  interface: 'typescript_interface',
  command: 'test_suite',
  image: 'test_suite',
  timeout: 'test_suite, agent_review',
  persona: 'agent_review',
  criteria_path: 'agent_review',
  context: 'agent_review',
  token_budget: 'agent_review',
  model: 'agent_review, llm_judge',
  criteria: 'llm_judge',
  threshold: 'llm_judge',
  network: 'test_suite',
  allowed_domains: 'test_suite',
  headings: 'markdown_spec',
  required_headings: 'markdown_spec',
  max_length: 'markdown_spec',
  format: 'format',
  max_size: 'non_empty_file',
  glob: 'source_diff',
  exclude: 'source_diff',
  min_files: 'source_diff',
  max_test_deletions: 'test_diff, test_count_baseline',
  test_file_pattern: 'test_diff, test_count_baseline',
  test_func_pattern: 'test_diff, test_count_baseline',
  base_ref: 'test_count_baseline',
};

export function foreignKeys(spec: ContractInput): string[] {
  return Object.keys(spec)
    .filter((key) => OWNED_KEYS[key] !== undefined && !OWNED_KEYS[key].split(', ').includes(spec.type))
    .map((key) => `${spec.type}: '${key}' is only used by ${OWNED_KEYS[key]} contracts`);
}
