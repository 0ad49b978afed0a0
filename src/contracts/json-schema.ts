// json_schema: the artifact parses as JSON and is valid against a JSON Schema (file or inline). Errors name the
// JSON pointer and the rule. With `recover: true` the JSON may be extracted from prose or a fence, and the file
// is then rewritten with it so the next step reads exactly what was validated.
import type { ValidateFunction } from 'ajv';
import { CheckFailed, ContractConfigError } from './failure.js';
import { recoverJson } from './json-recover.js';
import { parseJsonText } from './json-text.js';
import { fenced, truncate } from './markdown-text.js';
import { compileSchema, compileSchemaFile, draftOf, formatAjvError, readSchemaFile } from './schema-compiler.js';
import { containerPath, decodeUtf8, locateSource, readSource, rewriteSource, sourceOf } from './source.js';
import { expectBoolean, expectString } from './spec-checks.js';
import type { ContractDefinition, ContractError, JsonSchemaSpec, ResolvePath } from './types.js';

/** More errors than this drown the retry prompt; the count of the rest is reported. */
export const MAX_SCHEMA_ERRORS = 50;
/** Schemas longer than this are cut in the instructions. */
export const MAX_DESCRIBED_SCHEMA_CHARS = 12_000;

function validatorFor(spec: JsonSchemaSpec, resolvePath: ResolvePath): Promise<ValidateFunction> {
  if (spec.schema_path !== undefined) return compileSchemaFile(resolvePath(spec.schema_path), spec.schema_path);
  if (spec.schema !== undefined) return compileSchema(spec.schema, 'inline schema');
  throw new ContractConfigError('json_schema needs schema_path or an inline schema');
}

async function schemaObject(spec: JsonSchemaSpec, resolvePath: ResolvePath): Promise<Record<string, unknown>> {
  if (spec.schema !== undefined) return spec.schema;
  const shownAs = spec.schema_path ?? '';
  return (await readSchemaFile(resolvePath(shownAs), shownAs)).schema as Record<string, unknown>;
}

export const jsonSchemaContract: ContractDefinition<JsonSchemaSpec> = {
  type: 'json_schema',

  validate(spec) {
    const problems = [...expectString(spec, 'schema_path', false), ...expectBoolean(spec, 'recover')];
    const hasPath = spec.schema_path !== undefined;
    const hasInline = spec.schema !== undefined;
    if (!hasPath && !hasInline) problems.push('json_schema: needs schema_path or an inline schema');
    if (hasPath && hasInline) problems.push('json_schema: use either schema_path or schema, not both');
    if (hasInline && (spec.schema === null || typeof spec.schema !== 'object' || Array.isArray(spec.schema))) {
      problems.push('json_schema: schema must be an object (a JSON Schema)');
    }
    return problems;
  },

  async check(spec, ctx) {
    // The schema first: a broken schema is the pipeline's fault, whatever the artifact looks like.
    const validate = await validatorFor(spec, ctx.resolvePath);
    const src = await locateSource(spec, ctx);
    const text = decodeUtf8(await readSource(src), src.rel);
    const details: Record<string, unknown> = { source: src.rel };
    let value: unknown;
    try {
      value = parseJsonText(text, src.rel);
    } catch (err) {
      if (!(err instanceof CheckFailed) || !spec.recover) throw err;
      const recovered = recoverJson(text);
      if (!recovered) {
        throw new CheckFailed(
          err.errors.map((e) => ({
            ...e,
            message: `${e.message} (recovery found no JSON object or array in the file either)`,
          })),
          err.details,
        );
      }
      await rewriteSource(src, `${recovered.text}\n`);
      value = recovered.value;
      details.recovered = true;
    }
    validate(value);
    const all = (validate.errors ?? []).map(formatAjvError);
    const errors: ContractError[] = all.slice(0, MAX_SCHEMA_ERRORS);
    if (all.length > MAX_SCHEMA_ERRORS) {
      errors.push({ path: '/', message: `… and ${all.length - MAX_SCHEMA_ERRORS} more schema errors` });
    }
    details.errorCount = all.length;
    return { errors, details };
  },

  async describe(spec, env) {
    const schema = await schemaObject(spec, env.resolvePath);
    const draft = draftOf(schema);
    const { text, truncated, omitted } = truncate(JSON.stringify(schema, null, 2), MAX_DESCRIBED_SCHEMA_CHARS);
    const target = containerPath(sourceOf(spec, env.outputs));
    return [
      `\`${target}\` must be a JSON document valid against this JSON Schema (${draft}). Write only the JSON: no prose before or after it, no Markdown code fence.`,
      '',
      fenced('json', text),
      ...(truncated ? ['', `(The schema is longer than shown: ${omitted} more characters were cut.)`] : []),
    ].join('\n');
  },

  async checkFiles(spec, resolvePath) {
    try {
      await validatorFor(spec, resolvePath);
      return [];
    } catch (err) {
      if (err instanceof ContractConfigError) return [err.message];
      throw err;
    }
  },
};
