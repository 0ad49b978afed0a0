// Checks a parsed document against its JSON Schema (./schemas/*.schema.json, the same files editors use) and
// turns ajv's errors into Problems at the offending node. Some schema keywords are Wave's own:
//   x-wave-unsupported: hint         a key of the original Wave format that Wave does not implement yet (→ one error)
//   x-wave-unsupported-values: [...] values of the original format that Wave does not implement yet
//   x-wave-ignored: true             a key of the original format that would change nothing Wave does (→ one warning)
//   x-wave-not-applied: what         a key of the original format with a behaviour Wave does not have yet, accepted so
//                                    the original's projects load (→ one warning per key saying what does not happen)
//   x-wave-expected: text            how to describe a pattern to a human ("a duration such as 30s")
// ajv is imported lazily so that loading src/config does not pay for it.

import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { showValue, type Problem } from './problems.js';
import { didYouMean } from './suggest.js';
import type { DocPath } from './types.js';
import type { YamlSource } from './yaml-source.js';

export type SchemaKind = 'manifest' | 'pipeline';

/** The schema file on disk (in src/ under tsx, in dist/ once compiled: tsc copies imported JSON). */
export function schemaFile(kind: SchemaKind): string {
  return fileURLToPath(new URL(`./schemas/${kind}.schema.json`, import.meta.url));
}

interface Validators {
  manifest: ValidateFunction;
  pipeline: ValidateFunction;
}

let validators: Promise<Validators> | undefined;
/** Filled by the x-wave-ignored and x-wave-unsupported keywords while one (synchronous) validation runs. */
let ignoredSeen: string[] = [];
let unsupportedSeen: Array<{ pointer: string; hint: string }> = [];
let notAppliedSeen: Array<{ pointer: string; what: string }> = [];

async function loadValidators(): Promise<Validators> {
  const [ajvModule, formatsModule, manifestSchema, pipelineSchema] = await Promise.all([
    import('ajv'),
    import('ajv-formats'),
    import('./schemas/manifest.schema.json', { with: { type: 'json' } }),
    import('./schemas/pipeline.schema.json', { with: { type: 'json' } }),
  ]);
  // ajv and ajv-formats are CommonJS; under NodeNext their classes sit on `.default.default`.
  const Ajv = ajvModule.default.default;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
  formatsModule.default.default(ajv);
  ajv.addKeyword({
    keyword: 'x-wave-ignored',
    schemaType: 'boolean',
    validate: (flag: boolean, _data: unknown, _parent: unknown, cxt?: { instancePath: string }) => {
      if (flag && cxt) ignoredSeen.push(cxt.instancePath);
      return true;
    },
  });
  ajv.addKeyword({
    keyword: 'x-wave-unsupported',
    schemaType: 'string',
    validate: (hint: string, _data: unknown, _parent: unknown, cxt?: { instancePath: string }) => {
      if (cxt) unsupportedSeen.push({ pointer: cxt.instancePath, hint });
      return true;
    },
  });
  ajv.addKeyword({
    keyword: 'x-wave-not-applied',
    schemaType: 'string',
    validate: (what: string, _data: unknown, _parent: unknown, cxt?: { instancePath: string }) => {
      if (cxt) notAppliedSeen.push({ pointer: cxt.instancePath, what });
      return true;
    },
  });
  ajv.addKeyword({ keyword: 'x-wave-unsupported-values', schemaType: 'array' });
  ajv.addKeyword({ keyword: 'x-wave-expected', schemaType: 'string' });
  return {
    manifest: ajv.compile(manifestSchema.default),
    pipeline: ajv.compile(pipelineSchema.default),
  };
}

export interface SchemaCheckResult {
  problems: Problem[];
  /** The document paths of the errors (an unknown key's own path), so callers can still check what is fine. */
  errorPaths: DocPath[];
  /** The paths of keys Wave does not implement yet (each already reported). */
  unsupportedPaths: DocPath[];
}

const KIND_OF: Record<SchemaKind, string> = { manifest: 'WaveManifest', pipeline: 'WavePipeline' };

export async function checkAgainstSchema(kind: SchemaKind, src: YamlSource): Promise<SchemaCheckResult> {
  const notWave = notAWaveDocument(kind, src);
  if (notWave) return { problems: [notWave], errorPaths: [[]], unsupportedPaths: [] };
  validators ??= loadValidators();
  const validate = (await validators)[kind];
  ignoredSeen = [];
  unsupportedSeen = [];
  notAppliedSeen = [];
  validate(src.value);
  const seen = ignoredSeen;
  const unsupported = unsupportedSeen;
  const notApplied = notAppliedSeen;
  ignoredSeen = [];
  unsupportedSeen = [];
  notAppliedSeen = [];
  const problems: Problem[] = [];
  const errorPaths: DocPath[] = [];
  for (const err of validate.errors ?? []) {
    const p = toProblem(err, src);
    if (p) problems.push(p);
    const at = pointerToPath(err.instancePath);
    const unknownKey = (err.params as { additionalProperty?: string }).additionalProperty;
    errorPaths.push(err.keyword === 'additionalProperties' && unknownKey !== undefined ? [...at, unknownKey] : at);
  }
  problems.push(...ignoredWarnings(seen, src), ...unsupportedErrors(unsupported, src));
  problems.push(...notAppliedWarnings(notApplied, src));
  return { problems, errorPaths, unsupportedPaths: unsupported.map((u) => pointerToPath(u.pointer)) };
}

/**
 * A mapping without any `kind` is not a Wave file (a config or key file read by mistake or through a link): one
 * problem, which names neither its keys nor its values, instead of a list of "unknown key" errors quoting it.
 */
function notAWaveDocument(kind: SchemaKind, src: YamlSource): Problem | undefined {
  const value = src.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || 'kind' in value) return undefined;
  return {
    severity: 'error',
    file: src.file,
    line: 1,
    column: 1,
    message: `not a Wave ${kind}: it has no 'kind: ${KIND_OF[kind]}'`,
    hint:
      kind === 'manifest'
        ? 'wave init writes a manifest to start from'
        : `a pipeline starts with kind: ${KIND_OF[kind]} and metadata: {name: …}`,
  };
}

/** The keys of `pointers` grouped by the mapping they are in, each group in document order. */
function byMapping(pointers: Iterable<string>, src: YamlSource): DocPath[][] {
  const byParent = new Map<string, DocPath[]>();
  for (const ptr of new Set(pointers)) {
    const path = pointerToPath(ptr);
    const parentKey = JSON.stringify(path.slice(0, -1));
    const list = byParent.get(parentKey) ?? [];
    list.push(path);
    byParent.set(parentKey, list);
  }
  // ajv visits keys in schema order; report them in document order.
  const at = (p: DocPath): number => {
    const pos = src.locate(p, 'key');
    return pos ? pos.line * 100_000 + pos.column : 0;
  };
  return [...byParent.values()].map((paths) => paths.sort((a, b) => at(a) - at(b)));
}

/** One problem for the keys of one mapping, at the first of them. */
type SayKeys = (keys: string[], where: string) => string;

function keysProblem(
  paths: DocPath[],
  src: YamlSource,
  severity: Problem['severity'],
  say: SayKeys,
  hint: string,
): Problem | undefined {
  const first = paths[0];
  if (!first) return undefined;
  const names = paths.map((p) => String(p[p.length - 1]));
  const pos = src.locate(first, 'key');
  const message = say(names, first.length > 1 ? describeOwner(first.slice(0, -1), src.value) : '');
  return { severity, file: src.file, line: pos?.line, column: pos?.column, message, hint };
}

/** One warning per mapping, naming every ignored key in it, at the first one. */
function ignoredWarnings(instancePaths: string[], src: YamlSource): Problem[] {
  return byMapping(instancePaths, src).flatMap((paths) => {
    const them = paths.length === 1 ? 'it changes' : 'they change';
    const hint = `accepted for compatibility with the original Wave format; ${them} nothing`;
    const say: SayKeys = (keys, where) => `ignored: ${keys.join(', ')}${where ? ` in ${where}` : ''}`;
    return keysProblem(paths, src, 'warning', say, hint) ?? [];
  });
}

/** One warning per key whose behaviour in the original Wave this Wave does not have, saying what does not happen. */
function notAppliedWarnings(seen: Array<{ pointer: string; what: string }>, src: YamlSource): Problem[] {
  return seen.map(({ pointer, what }) => {
    const at = pointerToPath(pointer);
    const pos = src.locate(at, 'key');
    const name = at.map(String).join('.');
    const message = `not applied: ${name}: ${what}`;
    const hint = "accepted so that the original Wave's projects load (README: Coming from the original Wave)";
    return { severity: 'warning', file: src.file, line: pos?.line, column: pos?.column, message, hint };
  });
}

/** One error per mapping for the keys Wave does not implement yet; no other error is reported for them. */
function unsupportedErrors(seen: Array<{ pointer: string; hint: string }>, src: YamlSource): Problem[] {
  const hints = new Map(seen.map((u) => [u.pointer, u.hint]));
  return byMapping(hints.keys(), src).flatMap((paths) => {
    const hint = hints.get(pathToPointer(paths[0] ?? [])) ?? '';
    const say = (keys: string[], where: string): string => {
      const quoted = keys.map((k) => `'${k}'`);
      const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
      return `${where ? `${where}: ` : ''}${list} ${keys.length === 1 ? 'is' : 'are'} not supported yet`;
    };
    return keysProblem(paths, src, 'error', say, hint) ?? [];
  });
}

/** Keys of other tools' formats (and the original's older spellings) that mean one of ours. */
const KEY_ALIASES: Record<string, string> = {
  depends_on: 'dependencies',
  depends: 'dependencies',
  needs: 'dependencies',
  after: 'dependencies',
  prompt: 'exec',
  run: 'exec',
  outputs: 'output_artifacts',
  artifacts: 'output_artifacts',
  contract: 'handover',
  timeout: 'timeout_minutes',
};

/** "step 'build'" or "retry of step 'build'" for a step with an id, else the path ("'steps[2].retry'"). */
function describeOwner(path: DocPath, root: unknown): string {
  const [top, index, ...rest] = path;
  const steps = (root as { steps?: unknown } | null)?.steps;
  const step: unknown = top === 'steps' && typeof index === 'number' && Array.isArray(steps) ? steps[index] : undefined;
  const id = (step as { id?: unknown } | null | undefined)?.id;
  if (typeof id !== 'string') return describePath(path);
  return rest.length ? `${describePath(rest).slice(1, -1)} of step '${id}'` : `step '${id}'`;
}

function toProblem(err: ErrorObject, src: YamlSource): Problem | undefined {
  const path = pointerToPath(err.instancePath);
  const name = describePath(path);
  const problem = (message: string, at: DocPath = path, where: 'key' | 'value' = 'value'): Problem => {
    const pos = src.locate(at, where);
    return { severity: 'error', file: src.file, line: pos?.line, column: pos?.column, message };
  };
  const parentSchema = err.parentSchema;
  if (err.propertyName !== undefined) {
    // A map key that is not a valid name (adapters, personas): point at the key itself.
    const expected =
      typeof parentSchema?.['x-wave-expected'] === 'string' ? parentSchema['x-wave-expected'] : 'a valid name';
    return problem(`name '${err.propertyName}' in ${name} must be ${expected}`, [...path, err.propertyName], 'key');
  }
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const where = path.length > 0 ? ` in ${name}` : '';
      const alias = KEY_ALIASES[key];
      const suggestion = alias && known.includes(alias) ? ` (did you mean '${alias}'?)` : didYouMean(key, known);
      return problem(`unknown key '${key}'${where}${suggestion}`, [...path, key], 'key');
    }
    case 'required': {
      const key = (err.params as { missingProperty: string }).missingProperty;
      const where = path.length > 0 ? ` in ${name}` : '';
      // The key's own description says what it is for: a good hint for what to write.
      const properties = parentSchema?.properties as Record<string, { description?: unknown }> | undefined;
      const described = properties?.[key]?.description;
      const missing = problem(`missing required key '${key}'${where}`);
      return typeof described === 'string' ? { ...missing, hint: `${key}: ${described}` } : missing;
    }
    case 'type': {
      const expected = String((err.params as { type: string | string[] }).type).replaceAll(',', ' or ');
      // A document that is not a mapping at all is likely not a Wave file: name its kind, never its text.
      const got = path.length === 0 ? describeKind(err.data) : describeValue(err.data);
      return problem(`${name} must be ${article(expected)} (got ${got})`);
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map(showValue);
      const got = showValue(err.data);
      const later: unknown = parentSchema?.['x-wave-unsupported-values'];
      if (Array.isArray(later) && later.includes(got)) {
        return { ...problem(`${name}: '${got}' is not supported yet`), hint: `supported: ${allowed.join(', ')}` };
      }
      const expected = `expected one of ${allowed.join(', ')}`;
      return problem(`${name}: unknown value '${got}'; ${expected}${didYouMean(got, allowed)}`);
    }
    case 'const': {
      const allowed = String((err.params as { allowedValue: unknown }).allowedValue);
      return problem(`${name} must be '${allowed}' (got ${describeValue(err.data)})`);
    }
    case 'pattern':
    case 'format': {
      const expected =
        typeof parentSchema?.['x-wave-expected'] === 'string'
          ? parentSchema['x-wave-expected']
          : err.keyword === 'format'
            ? `a valid ${String((err.params as { format: string }).format)}`
            : `text matching ${String((err.params as { pattern: string }).pattern)}`;
      return problem(`${name} must be ${expected} (got ${describeValue(err.data)})`);
    }
    case 'propertyNames':
      return undefined; // reported again, more precisely, by the pattern error of the name itself
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = err.params as { comparison: string; limit: number };
      return problem(`${name} must be ${p.comparison} ${p.limit} (got ${describeValue(err.data)})`);
    }
    case 'minItems':
      return problem(`${name} must not be empty`);
    case 'minLength':
      return problem(`${name} must not be empty`);
    default:
      return problem(`${name} ${err.message ?? 'is invalid'}`);
  }
}

function pathToPointer(path: DocPath): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** "/steps/0/retry" → ['steps', 0, 'retry'] */
function pointerToPath(pointer: string): DocPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ['steps', 0, 'retry', 'max_attempts'] → "steps[0].retry.max_attempts"; the root is "the document". */
export function describePath(path: DocPath): string {
  if (path.length === 0) return 'the document';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return `'${out}'`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${showValue(value)}`;
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'text' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'empty',
  };
  return type
    .split(' or ')
    .map((t) => words[t] ?? t)
    .join(' or ');
}
