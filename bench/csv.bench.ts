// Why tinysync/reconcile keeps its own CSV reader (issue 14 point 5 asked to replace it with a
// maintained parser unless a benchmark shows a reason): parseCsv side by side with csv-parse's
// sync API, the most used CSV parser on npm, in one run:
// - speed: a 1 MB export (quoted fields with delimiters and doubled quotes, plain fields),
//   parsed whole; figures are MB per second;
// - what lands in a browser app: each reader bundled on its own, minified, gzip -9.
// csv-parse comes in two builds: `csv-parse/sync` (lib/) uses Node's global `Buffer`, which a
// browser has not (Vite does not polyfill it), so a browser app must take
// `csv-parse/browser/esm/sync`, which bundles a Buffer polyfill. Both are measured; the options
// are the ones that make csv-parse read what parseCsv reads (ragged rows for the importer to
// report by line, a quote inside an unquoted field kept, a BOM dropped, CRLF / LF / CR).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as csvParseBrowser } from 'csv-parse/browser/esm/sync';
import { parse as csvParseNode } from 'csv-parse/sync';
import { parseCsv } from 'tinysync/reconcile';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { opsPerSecond, report, type BenchRow } from './harness.js';

const OPTIONS = { relax_column_count: true, relax_quotes: true, bom: true, record_delimiter: ['\r\n', '\n', '\r'] };

/** About `bytes` of CSV: a header, then rows of quoted and plain fields. */
function sample(bytes: number): string {
  const rows = ['id,name,grade,note,city'];
  let size = rows[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const row = `${i},"Lee, Ann ${i}",${i % 7},"said ""hi"" twice",Springfield`;
    rows.push(row);
    size += row.length + 2;
  }
  return `${rows.join('\r\n')}\r\n`;
}

/** Minified, gzip -9 size of an ES module bundled alone (what one import costs an app). */
async function gzipped(code: string): Promise<number> {
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync(join(resolve('node_modules/.cache'), 'tinysync-csv-'));
  try {
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, code);
    const out = await build({ logLevel: 'silent', configFile: false, build: { write: false, minify: true, lib: { entry, formats: ['es'] } } });
    const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
    return gzipSync(chunks.map((c) => ('code' in c ? c.code : '')).join(''), { level: 9 }).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('CSV reader: parseCsv vs csv-parse', () => {
  it('reads the same rows, and measures speed and bundle size', async () => {
    const text = sample(1_000_000);
    const mb = text.length / 1e6;
    const ours = parseCsv(text);
    expect(csvParseNode(text, OPTIONS)).toEqual(ours);
    expect(csvParseBrowser(text, OPTIONS)).toEqual(ours);

    const speed = await opsPerSecond(
      {
        tinysync: () => parseCsv(text),
        'csv-parse/sync (Node)': () => csvParseNode(text, OPTIONS),
        'csv-parse browser build': () => csvParseBrowser(text, OPTIONS),
      },
      { time: 2000 },
    );
    const src = resolve('src/reconcile/csv.ts');
    const size = {
      tinysync: await gzipped(`export { parseCsv } from ${JSON.stringify(src)};`),
      'csv-parse/sync (Node)': await gzipped(`export { parse } from 'csv-parse/sync';`),
      'csv-parse browser build': await gzipped(`export { parse } from 'csv-parse/browser/esm/sync';`),
    };
    const rows: BenchRow[] = [];
    for (const subject of Object.keys(speed)) {
      rows.push({ case: `parse ${mb.toFixed(1)} MB`, subject, value: speed[subject]! * mb, unit: 'MB/s', better: 'higher' });
    }
    for (const [subject, bytes] of Object.entries(size)) {
      rows.push({ case: 'bundled, min + gzip', subject, value: bytes, unit: 'bytes', better: 'lower' });
    }
    report('CSV reader (tinysync/reconcile)', rows, 'tinysync');
    expect(Object.values(speed).every((v) => v > 0)).toBe(true);
  });
});
