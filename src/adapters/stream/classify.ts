// The one failure classifier of every adapter, in the spirit of the original Wave's single ClassifyFailure. A
// CLI's stream gathers the evidence of a failed run (the class its own structured fields name, the provider's
// HTTP status, the error texts) and this decides the class, the strongest evidence first. Only error texts are
// read, never the model's answer: a run whose answer discusses "rate limits" is not rate limited (agent-clis.md
// §7, the false matches described at claude.go:185-188).
import type { FailureClass } from '../types.js';
import { anyOf } from './patterns.js';

export interface FailureEvidence {
  /** The class a structured field of the CLI names: its error code or type, an exit code with a fixed meaning. */
  reported?: FailureClass | undefined;
  /** The HTTP status of the provider's answer, when the CLI reports it (a field, or an exit code that encodes it). */
  status?: number | undefined;
  /** The error texts the CLI reported (error lines, error results, its error log), never the model's answer. */
  texts?: readonly string[];
  /** A weaker structured sign, believed only when the texts say nothing (Claude's rejected rate_limit_event). */
  hint?: FailureClass | undefined;
  /** The class when nothing above is recognized. */
  otherwise: FailureClass;
}

/** Structured class, then HTTP status, then the texts, then the hint; `otherwise` when none of them is known. */
export function classifyFailure(evidence: FailureEvidence): FailureClass {
  const { reported, status, texts = [], hint, otherwise } = evidence;
  return (
    reported ??
    (status !== undefined ? classifyHttpStatus(status) : undefined) ??
    classifyErrorText(texts.join(' | ')) ??
    hint ??
    otherwise
  );
}

/** The class of a provider HTTP status; undefined for a status that says nothing about retrying. */
export function classifyHttpStatus(status: number): FailureClass | undefined {
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status === 413) return 'context_exhausted';
  if (status === 529 || (status >= 500 && status <= 599)) return 'provider_error';
  return undefined;
}

// Each CLI's own wording is here too, so that one place knows every phrase: Codex's "ran out of room" (0.169, on a
// 400 context_length_exceeded), and the Google API's error shape (`{"error":{"code":429,"status":
// "RESOURCE_EXHAUSTED"}}`) and token-limit message that Gemini CLI passes on.
const CONTEXT_RE = anyOf([
  /prompt is too long/,
  /context[ _-]?(window|length)[ _-]?(exceeded|limit|overflow)/,
  /context_length_exceeded|maximum context length/,
  /exceeds? the (model'?s? )?(maximum )?context/,
  /input is too long|too many (input )?tokens/,
  /ran out of room in the model'?s context window/,
  /input token count.*exceeds the maximum|exceeds the maximum number of tokens/,
]);
const STATUS_RE = /\bAPI Error:?\s*(\d{3})\b|\b(?:status|status code|HTTP)\s*:?\s*(\d{3})\b|"code"\s*:\s*(\d{3})\b/i;
/** A refused key or account in the providers' own words (Anthropic, OpenAI, Google), when no status is given. */
const AUTH_RE = anyOf([
  /authentication[_ ](?:error|failed)|billing[_ ]error|credit balance is too low/,
  /invalid (?:x-)?api[ _-]?key|incorrect api key|api key not valid|\bUNAUTHENTICATED\b/,
]);
const RATE_RE = anyOf([
  /rate[ _-]?limit|too many requests|\b429\b|quota exceeded|usage limit/,
  /RESOURCE_EXHAUSTED|Resource has been exhausted|check quota/,
]);
const PROVIDER_RE = anyOf([
  /overloaded|\b5\d\d\b|internal server error|service unavailable|bad gateway|gateway timeout/,
  /server_error|api_error|API Error/,
  /connection (error|refused|reset)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed/,
]);
/** Google API status words: upper case only, a lower-case "internal" is no status. */
const GOOGLE_PROVIDER_RE = /\b(UNAVAILABLE|INTERNAL|DEADLINE_EXCEEDED)\b/;

/** Classify an error text; undefined when nothing in it is recognized. */
export function classifyErrorText(text: string): FailureClass | undefined {
  if (CONTEXT_RE.test(text)) return 'context_exhausted';
  const status = STATUS_RE.exec(text);
  const code = Number(status?.[1] ?? status?.[2] ?? status?.[3]);
  if (Number.isInteger(code)) {
    const byStatus = classifyHttpStatus(code);
    if (byStatus) return byStatus;
  }
  if (AUTH_RE.test(text)) return 'auth';
  if (RATE_RE.test(text)) return 'rate_limit';
  if (PROVIDER_RE.test(text) || GOOGLE_PROVIDER_RE.test(text)) return 'provider_error';
  return undefined;
}
