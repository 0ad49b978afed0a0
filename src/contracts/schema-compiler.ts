// JSON Schemas, compiled once per process. The draft is chosen by the schema's own $schema (draft-07 and
// 2019-09 for existing schemas, 2020-12 by default), formats come from ajv-formats, and a file's compiled
// validator is cached by path + mtime + size, so editing the schema between runs of a long process is picked up.
// ajv is imported lazily: most commands (list, status, logs) never validate anything.
import { stat, readFile } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ContractConfigError } from './failure.js';
import { findJsonSyntaxProblem } from './json-text.js';
import type { ContractError } from './types.js';

export type Draft = 'draft-07' | '2019-09' | '2020-12';

/** The draft a schema declares; undefined (and so 2020-12) when it declares none. Throws for unsupported ones. */
export function draftOf(schema: Record<string, unknown>): Draft {
  const id = schema.$schema;
  if (id === undefined) return '2020-12';
  if (typeof id !== 'string') throw new ContractConfigError('$schema must be a string');
  if (/json-schema\.org\/draft-0[67]\/schema/.test(id)) return 'draft-07';
  if (/json-schema\.org\/draft\/2019-09\/schema/.test(id)) return '2019-09';
  if (/json-schema\.org\/draft\/2020-12\/schema/.test(id)) return '2020-12';
  throw new ContractConfigError(`unsupported $schema '${id}': use draft-07, 2019-09 or 2020-12`);
}

type AjvInstance = { compile(schema: object): ValidateFunction; addMetaSchema(schema: object): unknown };

async function newAjv(draft: Draft): Promise<AjvInstance> {
  const [core, formats] = await Promise.all([
    draft === '2020-12' ? import('ajv/dist/2020.js') : draft === '2019-09' ? import('ajv/dist/2019.js') : import('ajv'),
    import('ajv-formats'),
  ]);
  // CommonJS under NodeNext: the class and the plugin sit on `.default.default` at run time.
  const Ctor = (core.default as unknown as { default: new (o: object) => AjvInstance }).default;
  // One instance per schema: two schemas (or two versions of one file) sharing an $id would otherwise collide.
  // strict: false because user schemas carry annotations ajv does not know (x-…, examples in odd places).
  const ajv = new Ctor({ allErrors: true, strict: false, logger: false });
  (formats.default as unknown as { default: (a: AjvInstance) => void }).default(ajv);
  return ajv;
}

const cache = new Map<string, Promise<ValidateFunction>>();

/** Compiles (or fetches from the cache) a schema object; `label` names it in errors. */
export function compileSchema(schema: unknown, label: string, cacheKey?: string): Promise<ValidateFunction> {
  const key = cacheKey ?? `inline:${JSON.stringify(schema)}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = (async () => {
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
        throw new ContractConfigError(`${label}: a JSON Schema must be an object`);
      }
      const draft = draftOf(schema as Record<string, unknown>);
      const ajv = await newAjv(draft);
      try {
        return ajv.compile(schema);
      } catch (err) {
        throw new ContractConfigError(`${label} is not a valid ${draft} JSON Schema: ${(err as Error).message}`, {
          cause: err,
        });
      }
    })();
    // A failure is not cached: the user may fix the file while a long process keeps running.
    compiled.catch(() => cache.delete(key));
    cache.set(key, compiled);
  }
  return compiled;
}

/** Reads and parses a schema file. */
export async function readSchemaFile(file: string, shownAs: string): Promise<{ schema: unknown; key: string }> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new ContractConfigError(`schema_path '${shownAs}' not found (looked for ${file})`);
  const text = await readFile(file, 'utf8');
  try {
    return { schema: JSON.parse(text), key: `file:${file}:${st.mtimeMs}:${st.size}` };
  } catch {
    // Only the position: the parser's own message quotes the file's first bytes, and the file may not be a schema
    // at all (a path that escaped the project is refused earlier, but no error should ever show a file's content).
    const at = findJsonSyntaxProblem(text);
    throw new ContractConfigError(
      `schema_path '${shownAs}' is not JSON${at ? ` (syntax error at line ${at.line}, column ${at.column})` : ''}`,
    );
  }
}

/** Compiles a schema file, cached by path + mtime + size. */
export async function compileSchemaFile(file: string, shownAs: string): Promise<ValidateFunction> {
  const { schema, key } = await readSchemaFile(file, shownAs);
  return compileSchema(schema, `schema_path '${shownAs}'`, key);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One ajv error as {pointer, "message (rule)"}; the pointer of the document root is '/'. */
export function formatAjvError(e: ErrorObject): ContractError {
  const p = e.params as Record<string, unknown>;
  let rule: string;
  switch (e.keyword) {
    case 'enum':
      rule = `enum: ${((p.allowedValues as unknown[]) ?? []).map(show).join(', ')}`;
      break;
    case 'const':
      rule = `const: ${show(p.allowedValue)}`;
      break;
    case 'additionalProperties':
      rule = `additionalProperties: '${String(p.additionalProperty)}'`;
      break;
    case 'unevaluatedProperties':
      rule = `unevaluatedProperties: '${String(p.unevaluatedProperty)}'`;
      break;
    default:
      rule = e.keyword;
  }
  return { path: e.instancePath === '' ? '/' : e.instancePath, message: `${e.message ?? 'is invalid'} (${rule})` };
}
