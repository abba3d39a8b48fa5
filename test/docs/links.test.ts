// The documentation a newcomer navigates: a short README that links every page of the docs
// site, a sidebar that lists every page, and no link or image that leads nowhere — checked
// offline (external addresses only for their form), so `npm test` catches a renamed heading.
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sidebar } from '../../docs/.vitepress/config.js';
import { anchors, docsDir, links, markdownFiles, read, root, type Link } from './pages.js';

const files = markdownFiles();
const pages = files.filter((f) => f !== 'README.md');

/**
 * The file a relative or site-absolute link of `from` names, as VitePress resolves it (clean
 * URLs: `/server/` → docs/server/index.md, `./tokens` and `./tokens.html` → tokens.md), or why
 * it names none.
 */
function target(from: string, path: string): { file: string } | { error: string } {
  let decoded: string;
  try {
    decoded = decodeURI(path);
  } catch {
    return { error: 'is not a valid URI' };
  }
  if (decoded.startsWith('/') && !from.startsWith('docs/')) return { error: 'is site-absolute outside docs/' };
  const base = decoded.startsWith('/') ? join(docsDir, decoded) : join(root, dirname(from), decoded);
  const abs = normalize(base);
  if (!abs.startsWith(root)) return { error: 'leaves the repository' };
  const candidates = decoded.endsWith('/')
    ? [join(abs, 'index.md')]
    : extname(abs) === '.html'
      ? [abs.slice(0, -'.html'.length) + '.md']
      : extname(abs) === ''
        ? [`${abs}.md`, join(abs, 'index.md'), abs]
        : [abs];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit ? { file: relative(root, hit) } : { error: `names no file (tried ${candidates.map((c) => relative(root, c)).join(', ')})` };
}

/** What is wrong with one link of `from`, or undefined when it leads somewhere that exists. */
async function problem(from: string, link: Link): Promise<string | undefined> {
  const { href } = link;
  if (/^https?:/i.test(href)) {
    try {
      const url = new URL(href);
      return url.hostname.includes('.') || url.hostname === 'localhost' || /^[\d.]+$/.test(url.hostname) ? undefined : 'has no host name';
    } catch {
      return 'is not a well-formed URL';
    }
  }
  if (/^mailto:/i.test(href)) return undefined;
  if (/^[a-z][a-z\d+.-]*:/i.test(href)) return 'uses a scheme the site cannot follow';
  if (href === '') return 'is empty';
  const hash = href.indexOf('#');
  const path = hash < 0 ? href : href.slice(0, hash);
  const anchor = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
  let file = from;
  if (path !== '') {
    const t = target(from, path);
    if ('error' in t) return t.error;
    file = t.file;
    // The site publishes pages and the images it shows, not other files (GitHub shows any).
    if (from.startsWith('docs/') && link.kind === 'link' && !file.endsWith('.md')) return `links ${file}, which the site does not publish`;
  }
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `has an anchor into ${file}, which is not a page`;
  return (await anchors(file, from.startsWith('docs/') ? 'vitepress' : 'github')).has(anchor) ? undefined : `names no heading of ${file}`;
}

/** Every broken link of `files`, as `file: href problem` lines. */
async function brokenLinks(list: string[]): Promise<string[]> {
  const broken: string[] = [];
  for (const file of list) {
    for (const link of await links(file)) {
      const why = await problem(file, link);
      if (why) broken.push(`${file}: ${link.kind} ${link.href} ${why}`);
    }
  }
  return broken;
}

/** The docs page a sidebar link names. */
const sidebarPage = (link: string) => {
  const t = target('docs/index.md', link);
  return 'file' in t ? t.file : `${link} (${t.error})`;
};

describe('README.md', () => {
  const readme = read('README.md');

  it('is at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('has the quick start, one command per block, and "use it in your app"', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(expect.arrayContaining(['Quick start', 'Use it in your app']));
    const shBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    for (const cmd of ['npm install', 'npm start', 'npm test', 'npm run bench', 'npm run docs:dev']) expect(shBlocks).toContain(cmd);
  });

  it('links every page of the docs site', async () => {
    const linked = new Set<string>();
    for (const link of await links('README.md')) {
      const path = link.href.split('#')[0]!;
      if (path === '' || /^[a-z][a-z\d+.-]*:/i.test(path)) continue;
      const t = target('README.md', path);
      if ('file' in t) linked.add(t.file);
    }
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});

describe('docs site', () => {
  it('has its pages', () => {
    expect(pages.length).toBeGreaterThanOrEqual(20);
  });

  it('lists every page in the sidebar, and each sidebar entry is a page', () => {
    const inSidebar = sidebar.flatMap((group) => group.items ?? []).map((item) => sidebarPage(item.link ?? ''));
    expect([...inSidebar].sort()).toEqual(pages.filter((p) => p !== 'docs/index.md').sort());
  });
});

describe('links', () => {
  it.each(files)('every link and image of %s leads to a file and heading that exist', async (file) => {
    expect(await brokenLinks([file])).toEqual([]);
  });

  it('the check finds a missing page or file, an anchor of no heading, a malformed URL, an unpublished file', async () => {
    const cases: [string, Link][] = [
      ['docs/guide/react.md', { href: './no-such-page.md', kind: 'link' }],
      ['docs/guide/react.md', { href: '../server/tokens#no-such-heading', kind: 'link' }],
      ['docs/guide/react.md', { href: '#no-such-heading', kind: 'link' }],
      ['README.md', { href: 'docs/no-such.png', kind: 'image' }],
      ['README.md', { href: 'https://exa mple.com/', kind: 'link' }],
      ['README.md', { href: '/guide/react', kind: 'link' }],
      ['docs/guide/demo.md', { href: '../demo.png', kind: 'link' }],
      // "Undo / redo": VitePress makes undo-redo, GitHub (which shows the README) undo--redo.
      ['README.md', { href: 'docs/guide/crdt.md#undo-redo', kind: 'link' }],
      ['docs/guide/react.md', { href: './crdt.md#undo--redo', kind: 'link' }],
    ];
    for (const [from, link] of cases) expect(await problem(from, link), `${from} → ${link.href}`).toBeDefined();
    // ... and lets a good one through, clean URL, .md, .html and heading alike.
    for (const href of ['./solid', './solid.md', './solid.html#api', '../server/#logs', '/server/tokens#tokens']) {
      expect(await problem('docs/guide/react.md', { href, kind: 'link' }), href).toBeUndefined();
    }
    expect(await problem('docs/guide/react.md', { href: '../react-todo.png', kind: 'image' })).toBeUndefined();
    expect(await problem('README.md', { href: 'docs/demo-phone.png', kind: 'link' })).toBeUndefined();
    expect(await problem('README.md', { href: 'docs/guide/crdt.md#undo--redo', kind: 'link' })).toBeUndefined();
    expect(await problem('docs/guide/react.md', { href: './crdt.md#undo-redo', kind: 'link' })).toBeUndefined();
  });
});
