// Turning rows from elsewhere (CSV text, header + rows, arrays of records) into a branch:
// an array of plain items that reconcile() can match by key.
import type { Item } from './action.js';
import { parseCsv } from './csv.js';
import { CsvError } from './errors.js';

/** How a column's text becomes a value: a name for the usual ones, or a function. */
export type Converter = 'string' | 'number' | 'boolean' | 'json' | ((text: string) => unknown);

/** Options of the importers. */
export interface ImportOptions {
  /** Column names, when the first row is data rather than a header. */
  header?: readonly string[];
  /** Per-column conversion of the text (`{ grade: 'number', active: 'boolean' }`); others stay strings. */
  convert?: { readonly [column: string]: Converter };
  /** Columns to leave out of the items. */
  omit?: readonly string[];
}

function converted(text: string, conv: Converter | undefined, column: string, line: number): unknown {
  if (conv === undefined || conv === 'string') return text;
  if (typeof conv === 'function') return conv(text);
  if (conv === 'number') {
    if (text.trim() === '') return null;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new CsvError(`${column} is not a number: ${JSON.stringify(text)}`, line);
    return n;
  }
  if (conv === 'boolean') {
    const t = text.trim().toLowerCase();
    if (t === '') return null;
    if (['true', 'yes', '1', 'y'].includes(t)) return true;
    if (['false', 'no', '0', 'n'].includes(t)) return false;
    throw new CsvError(`${column} is not a boolean: ${JSON.stringify(text)}`, line);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CsvError(`${column} is not JSON: ${JSON.stringify(text)}`, line);
  }
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Items from a header and rows of texts (the header is the first row unless `opts.header`). */
function fromRows(input: readonly (readonly string[])[], opts: ImportOptions, firstLine = 1): Item[] {
  const rows = [...input];
  const header = opts.header ? [...opts.header] : rows.shift();
  const dataLine = opts.header ? firstLine : firstLine + 1;
  if (!header) return [];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(`the column ${JSON.stringify(name)} appears twice in the header`, firstLine);
    seen.add(name);
  }
  const omit = new Set(opts.omit ?? []);
  const items: Item[] = [];
  rows.forEach((row, r) => {
    if (row.length === 1 && row[0] === '') return; // a blank line
    const line = dataLine + r;
    if (row.length !== header.length) throw new CsvError(`${row.length} fields where the header has ${header.length}`, line);
    const item: Record<string, unknown> = {};
    header.forEach((name, c) => {
      if (!omit.has(name)) define(item, name, converted(row[c]!, Object.hasOwn(opts.convert ?? {}, name) ? opts.convert![name] : undefined, name, line));
    });
    items.push(item);
  });
  return items;
}

/**
 * Helpers that turn rows into a branch (an array of items) for reconcile().
 *
 * @example
 * const source = { students: importers.csv(studentsCsv, { convert: { grade: 'number' } }) };
 */
export const importers = {
  /** Items from CSV text (RFC 4180; the first row is the header unless `header` is given). */
  csv(text: string, opts: ImportOptions & { delimiter?: string } = {}): Item[] {
    return fromRows(parseCsv(text, opts.delimiter === undefined ? {} : { delimiter: opts.delimiter }), opts);
  },
  /** Items from rows of texts: a header row then data rows (or `header` given). */
  rows(rows: readonly (readonly string[])[], opts: ImportOptions = {}): Item[] {
    return fromRows(rows, opts);
  },
  /** Items from records (copied, `omit`ted columns left out, `convert` applied to string fields). */
  records(records: readonly Item[], opts: Omit<ImportOptions, 'header'> = {}): Item[] {
    const omit = new Set(opts.omit ?? []);
    return records.map((rec, i) => {
      const item: Record<string, unknown> = {};
      for (const name of Object.keys(rec)) {
        if (omit.has(name)) continue;
        const value = rec[name];
        const conv = Object.hasOwn(opts.convert ?? {}, name) ? opts.convert![name] : undefined;
        define(item, name, typeof value === 'string' ? converted(value, conv, name, i + 1) : value);
      }
      return item;
    });
  },
};
