// Serves a folder (the built demo) at `/`: safe paths only, content types, SPA fallback.
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { OptionError } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Serves files of one folder; see {@link StaticFiles.serve}. */
export class StaticFiles {
  private constructor(private readonly root: string) {}

  /** Opens a folder to serve; throws OptionError when it is not a readable directory. */
  static async open(folder: string): Promise<StaticFiles> {
    try {
      const root = await realpath(folder);
      if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
      return new StaticFiles(root);
    } catch (err) {
      throw new OptionError('static', `cannot serve ${JSON.stringify(folder)}: ${(err as Error).message}`);
    }
  }

  /**
   * Answers a GET/HEAD for a file under the folder. Paths that leave the folder (`..`, encoded
   * or not, symlinks pointing outside, NUL bytes) get 404. A missing path without a file
   * extension falls back to `index.html` (client-side routing). Dot-file segments (`/.env`,
   * `/.git/config`) get 404. HTML and `sw.js` are sent with
   * `Cache-Control: no-cache` so a new deploy is picked up; Vite's hashed `/assets/*` are immutable.
   */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const root = this.root;
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return notFound(res);
    }
    if (rel.includes('\0') || rel.includes('\\')) return notFound(res);
    // Dot-files (.env, .git/, .htpasswd) are never content, and a missing one must not fall
    // back to index.html either: a 200 would tell a scanner it exists.
    if (hasDotSegment(rel)) return notFound(res);
    let file = await this.resolve(root, rel);
    if (!file && extname(rel) === '') file = await this.resolve(root, '/index.html');
    if (!file) return notFound(res);
    const name = file.path.slice(root.length);
    const type = TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
    const noCache = type.startsWith('text/html') || /(^|\/)sw\.js$/.test(name) || type.startsWith('application/manifest+json');
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': file.stats.size,
      'Cache-Control': noCache ? 'no-cache' : name.startsWith(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'public, max-age=0',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
  }

  /** The real path of a regular file inside root for the URL path `rel`, or null. */
  private async resolve(root: string, rel: string): Promise<{ path: string; stats: Stats } | null> {
    try {
      let path = await realpath(join(root, rel));
      if (path !== root && !path.startsWith(root + sep)) return null;
      let stats = await stat(path);
      if (stats.isDirectory()) {
        path = await realpath(join(path, 'index.html'));
        if (!path.startsWith(root + sep)) return null;
        stats = await stat(path);
      }
      // A symlink inside the folder may still point at a dot-file.
      if (hasDotSegment(path.slice(root.length).split(sep).join('/'))) return null;
      return stats.isFile() ? { path, stats } : null;
    } catch {
      return null;
    }
  }
}

/** Whether a `/`-separated path has a segment starting with a dot (`.env`, `.git`, `..`). */
function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => segment.startsWith('.'));
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}
