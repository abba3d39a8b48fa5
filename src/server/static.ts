// Serves a folder (the built demo) at `/`. Which file answers a path is decided here (the folder's
// own rules: real paths inside it only, no dot-files, SPA fallback); how it is sent (content type,
// ETag / Last-Modified and 304, byte ranges, HEAD, streaming errors) is `send`, the file sender
// under Express's `serve-static`. `send` alone follows symlinks out of its root, hence the checks.
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import send from 'send';
import { OptionError } from './errors.js';

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
   * `/.git/config`, a symlink to one) get 404. HTML, `sw.js` and the web manifest are sent with
   * `Cache-Control: no-cache` so a new deploy is picked up; Vite's hashed `/assets/*` are immutable.
   * `send` adds ETag / Last-Modified (304 on a match) and byte ranges (206, 416 past the end).
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
    const name = file.path.slice(root.length).split(sep).join('/');
    // `send` decodes the path it is given: hand it the real file's path, each segment encoded.
    send(req, name.split('/').map(encodeURIComponent).join('/'), { root, index: false, dotfiles: 'ignore', maxAge: 0 })
      .on('headers', (out: ServerResponse) => {
        const noCache = /\.html$|(^|\/)sw\.js$|\.webmanifest$/i.test(name);
        out.setHeader('Cache-Control', noCache ? 'no-cache' : name.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=0');
        out.setHeader('X-Content-Type-Options', 'nosniff');
        // mime-db says image/vnd.microsoft.icon; every browser and favicon checker knows x-icon.
        if (/\.ico$/i.test(name)) out.setHeader('Content-Type', 'image/x-icon');
      })
      // The file became a folder between resolve() and send's own stat: nothing to serve.
      .on('directory', () => notFound(res))
      .on('error', (err: { status?: number }) => {
        // Gone or unreadable since resolve() (404), a failed If-Match (412), a range past the end
        // (416, `send` has set Content-Range); a read error after the headers cuts the response.
        if (res.headersSent) res.destroy();
        else if (err.status === 412 || err.status === 416) res.writeHead(err.status).end();
        else notFound(res);
      })
      .pipe(res);
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
