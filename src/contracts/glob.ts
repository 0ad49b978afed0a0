// Path globs for the contracts on changes, as git and most tools read them (picomatch): `*` and `?` stay within
// one folder, `**` spans folders (`**/` also matches none), `[...]` classes, `{a,b}` alternatives. Dotfiles match.
import picomatch from 'picomatch';

const OPTIONS = { dot: true } as const;

/** A RegExp matching whole `/`-separated paths against `glob`. */
export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(glob, OPTIONS);
}

/** Whether `path` matches any of `globs`. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.length > 0 && picomatch([...globs], OPTIONS)(path);
}
