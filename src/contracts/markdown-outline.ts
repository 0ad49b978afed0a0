// The heading outline of a Markdown document: ATX (`## Title`) and setext (`Title` over `===`/`---`) headings,
// ignoring anything inside fenced code blocks and YAML front matter, with each heading's section (the lines up to
// the next heading of the same or a higher level). Enough CommonMark for checking structure, not for rendering.

export interface Heading {
  level: number;
  text: string;
  /** 0-based line of the heading text. */
  line: number;
  /** Whether the section has content other than blank lines and headings (a subsection's text counts). */
  hasContent: boolean;
}

type LineKind = 'blank' | 'content' | 'heading' | 'underline';

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;

export function outline(markdown: string): Heading[] {
  const lines = markdown.split(/\r\n|\r|\n/);
  const kinds: LineKind[] = lines.map((l) => (l.trim() === '' ? 'blank' : 'content'));
  const found: Omit<Heading, 'hasContent'>[] = [];
  let i = 0;
  if (lines[0]?.trim() === '---') {
    // YAML front matter: its closing `---` would otherwise underline the line above it as a heading.
    const end = lines.findIndex((l, j) => j > 0 && (l.trim() === '---' || l.trim() === '...'));
    if (end > 0) {
      for (let j = 0; j <= end; j++) kinds[j] = 'blank';
      i = end + 1;
    }
  }
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = FENCE_OPEN.exec(line);
    if (fence && !(fence[1]?.startsWith('`') && fence[2]?.includes('`'))) {
      const marker = fence[1] as string;
      const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
      // Everything up to the closing fence (or the end of the document, for an unclosed one) is code: content.
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j] as string)) kinds[j++] = 'content';
      kinds[i] = 'content';
      if (j < lines.length) kinds[j] = 'content';
      i = j;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      // A closing sequence (`## Title ##`) is not part of the text.
      const text = (atx[2] ?? '').replace(/(^|[ \t]+)#+$/, '').trim();
      found.push({ level: (atx[1] as string).length, text, line: i });
      kinds[i] = 'heading';
      continue;
    }
    const setext = SETEXT.exec(line);
    const prev = i > 0 ? lines[i - 1] : undefined;
    if (setext && prev !== undefined && kinds[i - 1] === 'content' && !/^ {4}/.test(prev) && !FENCE_OPEN.test(prev)) {
      found.push({ level: setext[1]?.startsWith('=') ? 1 : 2, text: prev.trim(), line: i - 1 });
      kinds[i - 1] = 'heading';
      kinds[i] = 'underline';
    }
  }
  return found.map((h, n) => {
    let end = lines.length;
    for (const later of found.slice(n + 1)) {
      if (later.level <= h.level) {
        end = later.line;
        break;
      }
    }
    const hasContent = kinds.slice(h.line + 1, end).some((k) => k === 'content');
    return { ...h, hasContent };
  });
}

/** How headings are compared: case-insensitive, inner whitespace collapsed, emphasis and trailing punctuation gone. */
export function normalizeHeading(text: string): string {
  return text
    .trim()
    .replace(/^[*_`]+|[*_`]+$/g, '')
    .replace(/[\s.:;,!?。…-]+$/u, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}
