#!/usr/bin/env node
// `npx @tinysync/server serve` / `tinysync serve`: runs tinysync's own CLI. This package only
// brings the server's packages (better-sqlite3, ws, jose, send) next to tinysync, which lists
// them as optional peers; the code stays in tinysync (dist/cli.js, its `bin`).
import { readFileSync } from 'node:fs';

const manifest = new URL(import.meta.resolve('tinysync/package.json'));
const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
await import(new URL(typeof bin === 'string' ? bin : bin.tinysync, manifest).href);
