// Markdown artifacts rendered for the browser: raw HTML in the source is shown as text (html: false), and a
// link or image whose URL is a script or inline document (javascript:, data:, vbscript:, file:) is not made a
// link at all.
import MarkdownIt from 'markdown-it';
import { trusted, type SafeHtml } from './html.js';

const REFUSED_SCHEME = /^(javascript|vbscript|data|file):/i;

/** Whether a link target may become an href/src: browsers ignore whitespace and control characters in schemes. */
// eslint-disable-next-line no-control-regex
const IGNORED_IN_SCHEME = /[\u0000-\u0020\u007f-\u009f]/g;

export function isSafeLink(url: string): boolean {
  const normalised = url.replace(IGNORED_IN_SCHEME, '');
  let decoded = normalised;
  try {
    decoded = decodeURIComponent(normalised).replace(IGNORED_IN_SCHEME, '');
  } catch {
    // a malformed escape is not a scheme: judge the raw text
  }
  return !REFUSED_SCHEME.test(normalised) && !REFUSED_SCHEME.test(decoded);
}

const md = new MarkdownIt({ html: false, linkify: true });
md.validateLink = isSafeLink;

export function renderMarkdown(source: string): SafeHtml {
  return trusted(md.render(source));
}
