// A `changes` patch as a diff view: one row per line, classed by what the line is (file header, hunk, added,
// removed, context). The patch is a step's work and untrusted: every line is escaped text.
import { html, type SafeHtml } from './html.js';

function lineClass(line: string): string {
  if (line.startsWith('diff --git') || line.startsWith('+++ ') || line.startsWith('--- ')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('\\')) return 'meta';
  return 'ctx';
}

export function diffView(patch: string): SafeHtml {
  const lines = patch.endsWith('\n') ? patch.slice(0, -1).split('\n') : patch.split('\n');
  if (patch.length === 0) return html`<p class="empty">an empty patch</p>`;
  return html`<div class="diff" role="table">
    ${lines.map(
      (line) => html`<div class="line ${lineClass(line)}" role="row">${line.length === 0 ? ' ' : line}</div>`,
    )}
  </div>`;
}
