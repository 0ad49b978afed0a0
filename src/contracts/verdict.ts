// The fixed shape of a reviewer's verdict (agent_review), checked by Wave before it counts: whatever a model writes
// is data, and a malformed verdict fails the review rather than passing it.
export const VERDICTS = ['pass', 'fail', 'warn'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ReviewIssue {
  severity: string;
  description: string;
}

export interface ReviewVerdict {
  verdict: Verdict;
  issues: ReviewIssue[];
  suggestions: string[];
  summary: string;
  confidence?: number;
}

/** What the reviewer is told to write (and what parseVerdict accepts). */
export const VERDICT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verdict', 'issues', 'suggestions', 'summary'],
  properties: {
    verdict: { enum: [...VERDICTS] },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['severity', 'description'],
        properties: { severity: { type: 'string' }, description: { type: 'string' } },
      },
    },
    suggestions: { type: 'array', items: { type: 'string' } },
    summary: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const KEYS = new Set(Object.keys(VERDICT_SCHEMA.properties));

/** The verdict (parsed JSON), or the list of what is wrong with it. */
export function checkVerdict(v: unknown): { verdict: ReviewVerdict } | { problems: string[] } {
  if (!isObject(v)) return { problems: ['the verdict must be a JSON object'] };
  const problems: string[] = [];
  for (const key of Object.keys(v)) if (!KEYS.has(key)) problems.push(`unknown key '${key}'`);
  if (!VERDICTS.includes(v.verdict as Verdict)) problems.push(`verdict must be one of: ${VERDICTS.join(', ')}`);
  const issues = Array.isArray(v.issues) ? v.issues : undefined;
  if (!issues) problems.push('issues must be a list');
  issues?.forEach((issue, i) => {
    if (!isObject(issue) || typeof issue.severity !== 'string' || typeof issue.description !== 'string') {
      problems.push(`issues[${i}] must be {severity: string, description: string}`);
    }
  });
  const suggestions = Array.isArray(v.suggestions) ? v.suggestions : undefined;
  if (!suggestions || suggestions.some((s) => typeof s !== 'string')) {
    problems.push('suggestions must be a list of strings');
  }
  if (typeof v.summary !== 'string') problems.push('summary must be a string');
  const confidence = v.confidence;
  if (confidence !== undefined && (typeof confidence !== 'number' || confidence < 0 || confidence > 1)) {
    problems.push('confidence must be a number from 0 to 1');
  }
  if (problems.length > 0) return { problems };
  return {
    verdict: {
      verdict: v.verdict as Verdict,
      issues: (issues as ReviewIssue[]).map(({ severity, description }) => ({ severity, description })),
      suggestions: suggestions as string[],
      summary: v.summary as string,
      ...(confidence === undefined ? {} : { confidence: confidence as number }),
    },
  };
}
