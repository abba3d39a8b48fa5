// Finds a Chromium for the browser tests, installing one when it can, and says what it did.
// Order: $CHROMIUM_PATH, /usr/bin/chromium, `apt-get install chromium` when root,
// then Playwright's own download (which needs network access to Playwright's CDN).
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const SYSTEM = '/usr/bin/chromium';

export function findChromium({ install = true, log = console.log } = {}) {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) {
    log(`chromium: using $CHROMIUM_PATH ${fromEnv}`);
    return fromEnv;
  }
  if (existsSync(SYSTEM)) {
    log(`chromium: using ${SYSTEM}`);
    return SYSTEM;
  }
  if (!install) throw new Error(`chromium: none found at ${SYSTEM}; set CHROMIUM_PATH`);
  if (process.getuid?.() === 0) {
    log(`chromium: ${SYSTEM} is missing; installing Debian's chromium with apt-get (root)`);
    execSync('apt-get update && apt-get install -y chromium', { stdio: 'inherit' });
    if (existsSync(SYSTEM)) {
      log(`chromium: installed ${SYSTEM}`);
      return SYSTEM;
    }
  }
  log('chromium: not root and no system Chromium; asking Playwright to download its own');
  execSync('npx playwright-core install chromium', { stdio: 'inherit' });
  const require = createRequire(import.meta.url);
  const { chromium } = require('playwright-core');
  const path = chromium.executablePath();
  log(`chromium: using Playwright's ${path}`);
  return path;
}

/** The launch flags every browser test uses (see ../shared/TOOLCHAIN.md). */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
