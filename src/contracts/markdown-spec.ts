// markdown_spec: a Markdown document has the required headings (at the required level, in the given order), each
// with a non-empty section, and optionally stays under a length. Errors name the heading as the pipeline wrote it.
import { code } from './markdown-text.js';
import { normalizeHeading, outline, type Heading } from './markdown-outline.js';
import { containerPath, decodeUtf8, locateSource, readSource, sourceOf } from './source.js';
import { expectPositiveInteger } from './spec-checks.js';
import type {
  ContractDefinition,
  ContractError,
  ContractInput,
  HeadingRequirement,
  MarkdownSpecSpec,
} from './types.js';

export interface RequiredHeading {
  text: string;
  /** Undefined: any level. */
  level?: number;
  /** As shown in messages: "## Summary" or "Summary". */
  label: string;
}

/** Reads "## Summary", "Summary" or {text, level}; undefined when malformed. */
export function parseRequirement(req: unknown): RequiredHeading | undefined {
  if (typeof req === 'string') {
    const m = /^\s*(#{1,6})\s+(.*\S)\s*$/.exec(req);
    if (m) return { text: m[2] as string, level: (m[1] as string).length, label: `${m[1]} ${m[2]}` };
    return req.trim() === '' ? undefined : { text: req.trim(), label: req.trim() };
  }
  if (req && typeof req === 'object') {
    const { text, level } = req as { text?: unknown; level?: unknown };
    if (typeof text !== 'string' || text.trim() === '') return undefined;
    if (level === undefined) return { text: text.trim(), label: text.trim() };
    if (!Number.isInteger(level) || (level as number) < 1 || (level as number) > 6) return undefined;
    return { text: text.trim(), level: level as number, label: `${'#'.repeat(level as number)} ${text.trim()}` };
  }
  return undefined;
}

export function requirementsOf(spec: ContractInput): RequiredHeading[] {
  const list = (spec.headings ?? spec.required_headings ?? []) as HeadingRequirement[];
  return list.map(parseRequirement).filter((r): r is RequiredHeading => r !== undefined);
}

/** Every problem with the document's structure, in document order of the requirements. */
export function checkOutline(headings: readonly Heading[], required: readonly RequiredHeading[]): ContractError[] {
  const errors: ContractError[] = [];
  let cursor = -1;
  let previous: RequiredHeading | undefined;
  for (const req of required) {
    const want = normalizeHeading(req.text);
    const sameText = headings.map((h, index) => ({ h, index })).filter(({ h }) => normalizeHeading(h.text) === want);
    const atLevel = sameText.filter(({ h }) => req.level === undefined || h.level === req.level);
    if (sameText.length === 0) {
      errors.push({ path: req.label, message: 'missing heading' });
      continue;
    }
    if (atLevel.length === 0) {
      const first = sameText[0]?.h as Heading;
      errors.push({
        path: req.label,
        message: `is a level ${first.level} heading (line ${first.line + 1}); expected level ${req.level}`,
      });
      continue;
    }
    const next = atLevel.find(({ index }) => index > cursor);
    if (!next) {
      const where = (atLevel[0]?.h as Heading).line + 1;
      errors.push({
        path: req.label,
        message: `out of order (line ${where}): it must come after ${previous ? `'${previous.label}'` : 'the headings before it'}`,
      });
      continue;
    }
    cursor = next.index;
    previous = req;
    if (!next.h.hasContent) errors.push({ path: req.label, message: `section is empty (line ${next.h.line + 1})` });
  }
  return errors;
}

export const markdownSpecContract: ContractDefinition<MarkdownSpecSpec> = {
  type: 'markdown_spec',

  validate(spec) {
    const problems = expectPositiveInteger(spec, 'max_length');
    if (spec.headings !== undefined && spec.required_headings !== undefined) {
      problems.push("markdown_spec: use either 'headings' or 'required_headings', not both");
    }
    const list = spec.headings ?? spec.required_headings;
    if (list !== undefined) {
      if (!Array.isArray(list)) problems.push('markdown_spec: headings must be a list');
      else {
        list.forEach((h, i) => {
          if (!parseRequirement(h)) {
            problems.push(
              `markdown_spec: headings[${i}] must be a heading such as "## Summary", "Summary" or {text: Summary, level: 2} (level 1-6)`,
            );
          }
        });
      }
    }
    return problems;
  },

  async check(spec, ctx) {
    const src = await locateSource(spec, ctx);
    const text = decodeUtf8(await readSource(src), src.rel);
    const headings = outline(text);
    const errors = checkOutline(headings, requirementsOf(spec));
    const length = [...text].length;
    if (spec.max_length !== undefined && length > spec.max_length) {
      errors.push({ path: src.rel, message: `is ${length} characters long; the limit is ${spec.max_length}` });
    }
    return {
      errors,
      details: { source: src.rel, length, headings: headings.map((h) => `${'#'.repeat(h.level)} ${h.text}`) },
    };
  },

  async describe(spec, env) {
    const target = containerPath(sourceOf(spec, env.outputs));
    const required = requirementsOf(spec);
    const parts = [`\`${target}\` must be a Markdown document.`];
    if (required.length > 0) {
      parts[0] +=
        ' It must contain these headings, in this order, each followed by non-empty content (headings are matched case-insensitively; headings inside code blocks do not count):';
      parts.push(
        '',
        ...required.map(
          (r, i) =>
            `${i + 1}. ${code(r.level === undefined ? r.text : r.label)}${r.level === undefined ? ' (any level)' : ''}`,
        ),
      );
    }
    if (spec.max_length !== undefined) parts.push('', `It must be at most ${spec.max_length} characters long.`);
    return parts.join('\n');
  },
};
