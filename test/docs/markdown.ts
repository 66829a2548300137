// Reading Markdown the way GitHub renders it, as far as the docs test needs: relative links (outside code), heading anchors, `npm run` names.

/** A link found in a Markdown file: its target as written and the 1-based line it starts on. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Blanks a span (keeping newlines) so offsets and line numbers stay those of the original text. */
const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/**
 * The text with fenced code blocks and inline code spans blanked out: what is left is what GitHub
 * renders as Markdown (links, headings). Fences are ``` or ~~~ (3 or more, up to 3 spaces of
 * indent); a code span may wrap lines but not cross a blank line.
 */
export function maskCode(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: string | null = null;
  const out = lines.map((line) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null) {
      if (open?.[1] !== undefined) {
        fence = open[1];
        return blank(line);
      }
      return line;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close?.[1] !== undefined && close[1][0] === fence[0] && close[1].length >= fence.length) {
      fence = null;
    }
    return blank(line);
  });
  return out.join('\n').replace(/(`+)(?:(?!\n[ \t]*\n)[\s\S])*?\1(?!`)/g, (span, ticks: string) => {
    // Keep the backticks' count as filler so `[`x`](y)` still reads as a link with its target.
    return `${'x'.repeat(ticks.length)}${blank(span.slice(ticks.length, -ticks.length))}${'x'.repeat(ticks.length)}`;
  });
}

/** 1-based line number of an offset in a text. */
const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Inline links and images, `[x](target)` and `![x](target)`, outside code; targets as written. */
export function links(markdown: string): MarkdownLink[] {
  const masked = maskCode(markdown);
  const found: MarkdownLink[] = [];
  // Link text may hold one level of brackets (`[a [b]](c)`) and wrap lines; the target is
  // `<…>` or has no spaces, with an optional "title".
  const re = /!?\[(?:[^[\]]|\[[^[\]]*\])*\]\(\s*(?:<([^>\n]*)>|([^\s()]+))(?:\s+"[^"\n]*")?\s*\)/g;
  for (const m of masked.matchAll(re)) {
    const target = m[1] ?? m[2];
    if (target !== undefined) found.push({ target, line: lineAt(masked, m.index) });
  }
  return found;
}

/** GitHub's anchor for a heading text (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[((?:[^[\]]|\[[^[\]]*\])*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/`/g, '')
    .replace(/\*\*|__|\*/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats get -1, -2, …) and HTML ids. */
export function anchors(markdown: string): Set<string> {
  const masked = maskCode(markdown);
  const original = markdown.split('\n');
  const seen = new Map<string, number>();
  const result = new Set<string>();
  masked.split('\n').forEach((line, i) => {
    if (!/^ {0,3}#{1,6}(\s|$)/.test(line)) return;
    // The heading's text comes from the original line: code spans count in the slug.
    const text = (original[i] ?? '').replace(/^ {0,3}#{1,6}\s*/, '').replace(/\s+#+\s*$/, '');
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  });
  for (const m of masked.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) {
    if (m[1] !== undefined) result.add(m[1]);
  }
  return result;
}

/** Script names of every `npm run <name>` in a text, code blocks included, with their lines. */
export function npmRuns(markdown: string): { name: string; line: number }[] {
  const re = /npm\s+run\s+(?:(?:-s|--silent)\s+)?([A-Za-z][\w:-]*)/g;
  return [...markdown.matchAll(re)].map((m) => ({
    name: m[1] as string,
    line: lineAt(markdown, m.index),
  }));
}
