// parseCsv is kept hand-written (bench/csv.bench.ts says why); this holds it to the behaviour of
// csv-parse, the most used maintained CSV parser, on every well-formed RFC 4180 text: quoted
// fields with delimiters, doubled quotes, CR / LF / CRLF inside them, empty fields, LF or CRLF
// records, a BOM. FC_RUNS sets the number of runs (1000 by default).
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { parseCsv } from 'tinysync/reconcile';
import { expect, it } from 'vitest';

const RUNS = Number(process.env.FC_RUNS ?? 1000);
// What makes csv-parse read what parseCsv reads: ragged rows kept (the importer reports them by
// line), a BOM dropped, any of CRLF / LF / CR ends a record.
const OPTIONS = { relax_column_count: true, bom: true, record_delimiter: ['\r\n', '\n', '\r'] };

const quoted = fc.string({ unit: fc.constantFrom('a', 'é', ' ', ',', ';', '"', '\n', '\r') }).map((s) => `"${s.replaceAll('"', '""')}"`);
const plain = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '1', '-') });

it('reads every well-formed CSV text as csv-parse does', () => {
  const text = fc
    .record({
      rows: fc.array(fc.array(fc.oneof(quoted, plain), { minLength: 1, maxLength: 5 }), { maxLength: 6 }),
      delimiter: fc.constantFrom(',', ';'),
      eol: fc.constantFrom('\n', '\r\n'),
      bom: fc.boolean(),
      finalEol: fc.boolean(),
    })
    .map(({ rows, delimiter, eol, bom, finalEol }) => ({
      delimiter,
      text: (bom ? '\ufeff' : '') + rows.map((r) => r.join(delimiter)).join(eol) + (finalEol && rows.length > 0 ? eol : ''),
    }));
  fc.assert(
    fc.property(text, ({ text, delimiter }) => {
      expect(parseCsv(text, { delimiter })).toEqual(parse(text, { ...OPTIONS, delimiter }));
    }),
    { numRuns: RUNS },
  );
});
