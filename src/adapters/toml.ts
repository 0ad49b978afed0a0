// TOML for the files Wave writes for agent CLIs (Codex's config.toml, Gemini's policy file). Written by hand until
// a TOML library is a dependency: only what those files hold (keys, basic strings, numbers, booleans, arrays).

/**
 * A TOML basic string: quotes, backslashes and control characters escaped (DEL too, which TOML forbids raw, unlike
 * JSON); lone surrogates, which UTF-8 cannot carry and TOML's \u escapes may not name, replaced by U+FFFD.
 */
export function tomlString(value: string): string {
  const wellFormed = value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  const escaped = wellFormed.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\t':
        return '\\t';
      case '\r':
        return '\\r';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `"${escaped}"`;
}

/** A key: bare where TOML allows it (A-Z a-z 0-9 _ -), otherwise quoted. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

export type TomlValue = string | number | boolean | readonly TomlValue[];

export function tomlValue(value: TomlValue): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`TOML: ${value} is not a number Wave writes`);
    return String(value);
  }
  return `[${value.map(tomlValue).join(', ')}]`;
}
