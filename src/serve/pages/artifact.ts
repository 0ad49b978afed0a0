// One artifact, shown by kind: a `changes` record as its diffstat and diff view, JSON pretty-printed, Markdown
// rendered (sanitised), anything else as text, binary files by size only. The bytes are never served with a
// type of their own: an artifact named x.svg or x.html is shown as text, never rendered by the browser.
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadRunChanges } from '../../engine/changes-service.js';
import type { ArtifactRecord, Store } from '../../state/index.js';
import { diffView } from '../diff-view.js';
import { href, html, type SafeHtml } from '../html.js';
import { renderMarkdown } from '../markdown.js';

/** Bytes of an artifact shown in the page; `wave artifacts --export` copies whole files. */
const SHOWN_BYTES = 1024 * 1024;

export async function artifactBody(store: Store, record: ArtifactRecord): Promise<SafeHtml> {
  const title = html`<h1>
      <a href="${href('runs', record.runId)}">${record.runId}</a> /
      <a href="${href('runs', record.runId, 'steps', record.stepId)}">${record.stepId}</a> / ${record.name}
    </h1>
    <p class="meta">${record.size} bytes · sha256 ${record.sha256.slice(0, 16)}</p>`;
  return html`${title}${record.name === 'changes' ? await changesView(store, record) : await fileView(record)}`;
}

async function changesView(store: Store, record: ArtifactRecord): Promise<SafeHtml> {
  const [change] = await loadRunChanges(store, record.runId, record.stepId);
  if (!change) return html`<p class="empty">no change recorded</p>`;
  const patch = await fs.readFile(path.join(change.dir, 'changes.patch'), 'utf8');
  const { files, totals } = change.summary;
  return html`<p class="meta">${totals.files} file(s) changed, +${totals.additions} -${totals.deletions}</p>
    <table class="diffstat">
      <thead>
        <tr>
          <th>file</th>
          <th>status</th>
          <th>lines</th>
        </tr>
      </thead>
      <tbody>
        ${files.map(
          (f) =>
            html`<tr>
              <td><code>${f.path}</code></td>
              <td>${f.status}</td>
              <td>
                ${
                  f.binary
                    ? 'binary'
                    : html`<span class="add">+${f.additions ?? 0}</span> <span class="del">-${f.deletions ?? 0}</span>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${diffView(patch)}`;
}

async function fileView(record: ArtifactRecord): Promise<SafeHtml> {
  const stat = await fs.stat(record.path).catch(() => undefined);
  if (!stat) return html`<p class="error">the file is gone from ${record.path} (was the workspace cleaned?)</p>`;
  if (!stat.isFile()) return html`<p class="note">not a file: export it with wave artifacts ${record.runId}</p>`;
  const handle = await fs.open(record.path, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(Math.min(stat.size, SHOWN_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (bytes.includes(0)) return html`<p class="note">a binary file of ${stat.size} bytes</p>`;
  const cut = stat.size > bytes.length;
  const text = bytes.toString('utf8');
  const note = cut ? html`<p class="note">the first ${bytes.length} of ${stat.size} bytes</p>` : '';
  const ext = path.extname(record.path).toLowerCase();
  if (ext === '.md' || ext === '.markdown')
    return html`${note}
      <article class="markdown">${renderMarkdown(text)}</article>`;
  if (ext === '.json' && !cut) {
    try {
      return html`<pre class="json">${JSON.stringify(JSON.parse(text), null, 2)}</pre>`;
    } catch {
      return html`<p class="note">not valid JSON: shown as text</p>
        <pre>${text}</pre>`;
    }
  }
  return html`${note}
    <pre class="text">${text}</pre>`;
}
