// The documentation as the docs tests see it: README.md and every page of docs/, their code
// blocks, links and heading anchors. Anchors are computed as the renderer that shows the link
// makes them: VitePress's own markdown-it setup for the pages of docs/ (its slugify and
// duplicate numbering, exactly), GitHub's rules for the README (which GitHub and npm show).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMarkdownRenderer } from 'vitepress';

/** The repository root, with a trailing slash. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
/** The VitePress source folder. */
export const docsDir = join(root, 'docs');

/** README.md and every page under docs/ (not docs/.vitepress), as paths relative to the root. */
export function markdownFiles(): string[] {
  const pages = readdirSync(docsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md') && !f.split(/[\\/]/).some((part) => part.startsWith('.')))
    .map((f) => relative(root, join(docsDir, f)))
    .sort();
  return ['README.md', ...pages];
}

/** The text of a file given relative to the root. */
export const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** One fenced code block: its language tag and its code. */
export interface CodeBlock {
  lang: string;
  code: string;
}

/** Every fenced code block of a Markdown text, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  return [...text.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

/** A link or image target of a page: where it points and what kind of token held it. */
export interface Link {
  href: string;
  kind: 'link' | 'image' | 'frontmatter';
}

interface Token {
  type: string;
  tag: string;
  content: string;
  children: Token[] | null;
  attrGet(name: string): string | null;
}

const renderer = createMarkdownRenderer(docsDir, {}, '/');

async function tokens(file: string): Promise<Token[]> {
  const md = await renderer;
  // `relativePath` is what VitePress's own plugins read from env while parsing a page.
  return md.parse(read(file), { path: join(root, file), relativePath: relative(docsDir, join(root, file)), cleanUrls: true }) as Token[];
}

function* walk(list: Token[]): Generator<Token> {
  for (const t of list) {
    yield t;
    if (t.children) yield* walk(t.children);
  }
}

/** Every link and image of a page (code blocks and inline code hold none), and the `link:`s of its front matter. */
export async function links(file: string): Promise<Link[]> {
  const found: Link[] = [];
  for (const t of walk(await tokens(file))) {
    // Skip the permalinks VitePress's anchor plugin adds to every heading.
    if (t.type === 'link_open' && t.attrGet('class') !== 'header-anchor') found.push({ href: t.attrGet('href') ?? '', kind: 'link' });
    if (t.type === 'image') found.push({ href: t.attrGet('src') ?? '', kind: 'image' });
  }
  const front = /^---\n([\s\S]*?)\n---/.exec(read(file))?.[1] ?? '';
  for (const m of front.matchAll(/^\s*link:\s*(\S+)/gm)) found.push({ href: m[1]!, kind: 'frontmatter' });
  return found;
}

/** GitHub's heading anchors (github-slugger): lowercase, punctuation dropped, each space a '-'. */
function githubSlug(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/**
 * The anchors of a page's headings as the renderer that shows it makes them: VitePress for a link
 * read on the site (from a page of docs/), GitHub for one read in the README.
 */
export async function anchors(file: string, shownBy: 'vitepress' | 'github'): Promise<Set<string>> {
  const list = [...walk(await tokens(file))];
  const ids = new Set<string>();
  if (shownBy === 'vitepress') {
    // VitePress's anchor plugin sets each heading's id while parsing.
    for (const t of list) if (t.type === 'heading_open') ids.add(t.attrGet('id') ?? '');
    return ids;
  }
  const seen = new Map<string, number>();
  list.forEach((t, i) => {
    if (t.type !== 'heading_open') return;
    const text = (list[i + 1]?.children ?? []).filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('');
    // trim(): the permalink VitePress's anchor plugin appends comes after a space.
    const slug = githubSlug(text.trim());
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    ids.add(n === 0 ? slug : `${slug}-${n}`);
  });
  return ids;
}
