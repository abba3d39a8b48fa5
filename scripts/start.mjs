// `npm start`: builds the library and the demo, then serves the demo and the sync endpoint
// from one tinysync server: http://127.0.0.1:8787 (PORT to change), data under ./data.
// Open the printed address in two browsers to see the same board live.
// `node scripts/start.mjs examples/react-todo` (`npm run example:react`) does the same for an
// example app: builds <dir>/vite.config.ts into <dir>/dist and serves that.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const port = process.env.PORT ?? '8787';
const host = process.env.HOST ?? '127.0.0.1';
const app = process.argv[2] ?? 'demo';

function build(label, args) {
  console.log(`▶ ${label}: npx ${args.join(' ')}`);
  const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) {
    console.error(`✗ ${label} failed`);
    process.exit(r.status ?? 1);
  }
}

build('library', ['vite', 'build']);
build(app, ['vite', 'build', '--config', `${app}/vite.config.ts`]);
if (!existsSync('dist/cli.js')) {
  console.error('✗ dist/cli.js is missing: the library build has no CLI (src/server/cli.ts)');
  process.exit(1);
}

const args = ['dist/cli.js', 'serve', '--host', host, '--port', port, '--data', './data', '--static', `${app}/dist`];
console.log(`▶ serve: node ${args.join(' ')}`);
const server = spawn(process.execPath, args, { stdio: 'inherit' });
// The server prints its own log lines; say where to look once it is up.
const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
const url = `http://${shown}:${port}/`;
let announced = false;
const announce = async () => {
  for (let i = 0; i < 100 && !announced; i++) {
    try {
      const r = await fetch(`${url}health`);
      if (r.ok) {
        announced = true;
        console.log(app === 'demo' ? `\n  tinysync demo: ${url}   (another board: ${url}?doc=another)\n` : `\n  ${app}: ${url}\n`);
        if (app === 'demo' && process.env.TINYSYNC_SECRET) await printTokenLinks(url);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
};
/**
 * With a secret (TINYSYNC_SECRET), the demo's links need tokens: an editor link (writes the
 * whole board) and a viewer link, whose token may only write its own KPI slots (and set
 * presence, which paths never restrict).
 */
async function printTokenLinks(base) {
  const { createToken } = await import('../dist/server.js');
  const secret = process.env.TINYSYNC_SECRET;
  const editor = await createToken({ secret, doc: 'demo', right: 'write', ttl: '1d' });
  const viewer = await createToken({ secret, doc: 'demo', right: 'write', sub: `viewer-${Math.random().toString(36).slice(2, 8)}`, paths: ['/kpis/*/{sub}'], ttl: '1d' });
  console.log(`  editor link: ${base}?token=${editor}\n  viewer link: ${base}?token=${viewer}   (may only press KPI buttons)\n`);
}
void announce();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
