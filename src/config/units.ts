// Sizes and durations as people write them in YAML.

/**
 * Bytes from "4g", "512m", "2GiB", "100Mi", "1.5G", "800k", "1024b" or a plain number of bytes. Units are binary
 * (k = 1024), the way Docker reads `--memory 4g`, whether written k, kb, ki, kib or KiB. Returns undefined for
 * anything else, so callers can report the original text.
 */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value > 0 ? value : undefined;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b|i)?\s*$/i.exec(value);
  if (!m) return undefined;
  const amount = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit === '' && m[3] !== undefined && m[3].toLowerCase() !== 'b') return undefined; // "5ib", "5i"
  const power = ['', 'k', 'm', 'g', 't'].indexOf(unit);
  const bytes = Math.round(amount * 1024 ** power);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

const HOUR = 3_600_000;
const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };

export interface DurationOptions {
  /** Also accept days and weeks ("7d", "2w"): ages such as `wave clean --older-than`, not timeouts or delays. */
  days?: boolean;
}

/** The forms parseDuration accepts, for error hints. */
export function durationForms(options: DurationOptions = {}): string {
  return options.days ? '30s, 5m, 12h, 7d, 2w or a sequence like 1d12h' : '500ms, 30s, 5m, 1h or a sequence like 1m30s';
}

/**
 * Milliseconds from "100ms", "1s", "2m", "1h", "1m30s" (Go-style sequences), and with `days` also "7d", "2w".
 * Undefined when malformed, so callers can name the setting and the original text.
 */
export function parseDuration(value: string, options: DurationOptions = {}): number | undefined {
  const text = value.trim();
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const part = options.days ? /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y : /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const m = part.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (durationUnits[m[2] ?? ''] ?? NaN);
    index = part.lastIndex;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Milliseconds as the shortest of "5m", "30s" or "500ms" that is exact. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
