// typescript_interface: the output (JSON) is assignable to an exported TypeScript type, as the compiler sees it
// in strict mode — wrong field types, missing required fields and extra fields (the excess property check of an
// object literal) all fail, each with the line of the output it concerns. The original only compiled the
// interface file and never looked at the output.
import { fenced, truncate } from './markdown-text.js';
import { parseJsonText } from './json-text.js';
import { containerPath, decodeUtf8, locateSource, readSource, sourceOf } from './source.js';
import { expectString } from './spec-checks.js';
import { checkJsonAgainstInterface, loadInterfaceFile } from './ts-compiler.js';
import { ContractConfigError } from './failure.js';
import type { ContractDefinition, ContractError, TypeScriptInterfaceSpec } from './types.js';

export const MAX_DESCRIBED_INTERFACE_CHARS = 12_000;
const MAX_TS_ERRORS = 50;

export const typescriptInterfaceContract: ContractDefinition<TypeScriptInterfaceSpec> = {
  type: 'typescript_interface',

  validate(spec) {
    return [...expectString(spec, 'schema_path', true), ...expectString(spec, 'interface', false)];
  },

  async check(spec, ctx) {
    const iface = await loadInterfaceFile(ctx.resolvePath(spec.schema_path), spec.schema_path, spec.interface);
    const src = await locateSource(spec, ctx);
    const text = decodeUtf8(await readSource(src), src.rel);
    parseJsonText(text, src.rel); // a syntax error is reported as such, with its position, not as a type error
    const diagnostics = await checkJsonAgainstInterface(iface, text.trimEnd());
    const errors: ContractError[] = diagnostics.slice(0, MAX_TS_ERRORS).map((d) => ({
      path: d.line === 0 ? src.rel : `${src.rel}:${d.line}:${d.column}`,
      message: d.message,
    }));
    if (diagnostics.length > MAX_TS_ERRORS)
      errors.push({ path: src.rel, message: `… and ${diagnostics.length - MAX_TS_ERRORS} more type errors` });
    return { errors, details: { source: src.rel, interface: iface.name, interfaceFile: spec.schema_path } };
  },

  async describe(spec, env) {
    const iface = await loadInterfaceFile(env.resolvePath(spec.schema_path), spec.schema_path, spec.interface);
    const { text, truncated, omitted } = truncate(iface.text, MAX_DESCRIBED_INTERFACE_CHARS);
    return [
      `\`${containerPath(sourceOf(spec, env.outputs))}\` must be a JSON document whose value is assignable to the TypeScript type \`${iface.name}\` below, checked by the TypeScript compiler in strict mode: every required field present, every field of the declared type, and no fields the type does not declare. Write only the JSON.`,
      '',
      fenced('ts', text),
      ...(truncated ? ['', `(The file is longer than shown: ${omitted} more characters were cut.)`] : []),
    ].join('\n');
  },

  async checkFiles(spec, resolvePath) {
    try {
      await loadInterfaceFile(resolvePath(spec.schema_path), spec.schema_path, spec.interface);
      return [];
    } catch (err) {
      if (err instanceof ContractConfigError) return [err.message];
      throw err;
    }
  },
};
