// format: the file is of the declared type — json and yaml parse (errors with line:column), text is UTF-8
// without NUL bytes, markdown is such text with at least a heading or a paragraph. Nothing about content: the
// other contracts check that.
import { parseAllDocuments } from 'yaml';
import { FILE_FORMATS } from '../config/types.js';
import { CheckFailed } from './failure.js';
import { lineColumn, parseJsonText } from './json-text.js';
import { outline } from './markdown-outline.js';
import { containerPath, decodeUtf8, locateSource, readSource, sourceOf } from './source.js';
import type { ContractDefinition, ContractError, FileFormat, FormatSpec } from './types.js';
import { showValue } from '../config/problems.js';

function noNul(text: string, rel: string): void {
  const at = text.indexOf('\0');
  if (at >= 0) {
    const { line, column } = lineColumn(text, at);
    throw new CheckFailed({ path: `${rel}:${line}:${column}`, message: 'contains a NUL byte: not a text file' });
  }
}

function yamlErrors(text: string, rel: string): ContractError[] {
  if (text.trim() === '') return [{ path: rel, message: 'is empty: not a YAML document' }];
  const errors: ContractError[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0] ?? lineColumn(text, e.pos[0]);
      const line = 'line' in pos ? pos.line : 1;
      const col = 'col' in pos ? pos.col : 'column' in pos ? pos.column : 1;
      errors.push({ path: `${rel}:${line}:${col}`, message: `invalid YAML: ${e.message.split('\n')[0]}` });
    }
  }
  return errors;
}

const DESCRIPTIONS: Record<FileFormat, string> = {
  json: 'a valid JSON document (only the JSON: no prose, no Markdown code fence)',
  yaml: 'a valid YAML document',
  markdown: 'a Markdown document (UTF-8 text with at least one heading or paragraph)',
  text: 'UTF-8 text (no binary content)',
};

export const formatContract: ContractDefinition<FormatSpec> = {
  type: 'format',

  validate(spec) {
    if (spec.format === undefined) return [`format: 'format' is required (${FILE_FORMATS.join(' | ')})`];
    return FILE_FORMATS.includes(spec.format as FileFormat)
      ? []
      : [`format: unknown format '${showValue(spec.format)}' (${FILE_FORMATS.join(' | ')})`];
  },

  async check(spec, ctx) {
    const src = await locateSource(spec, ctx);
    const text = decodeUtf8(await readSource(src), src.rel);
    const details = { source: src.rel, format: spec.format };
    switch (spec.format) {
      case 'json':
        parseJsonText(text, src.rel);
        return { errors: [], details };
      case 'yaml':
        return { errors: yamlErrors(text, src.rel), details };
      case 'markdown': {
        noNul(text, src.rel);
        const hasHeading = outline(text).length > 0;
        const hasParagraph = text
          .split(/\r?\n/)
          .some((l) => l.trim() !== '' && !/^ {0,3}#{1,6}(\s|$)/.test(l) && l.trim() !== '---');
        return hasHeading || hasParagraph
          ? { errors: [], details }
          : {
              errors: [{ path: src.rel, message: 'has no heading and no paragraph: not a Markdown document' }],
              details,
            };
      }
      case 'text':
        noNul(text, src.rel);
        return { errors: [], details };
    }
  },

  async describe(spec, env) {
    return `\`${containerPath(sourceOf(spec, env.outputs))}\` must be ${DESCRIPTIONS[spec.format]}.`;
  },
};
