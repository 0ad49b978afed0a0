#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept in plain JS so `npm link` and `npx` work without a build step
// for the launcher itself.
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`wave: failed to start: ${err && err.message ? err.message : err}\n`);
  process.exit(70);
});
