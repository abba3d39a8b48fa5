// An RFC 4180 CSV reader: fields separated by a delimiter, records by CRLF or LF, quoted fields
// may hold delimiters, line breaks and doubled quotes ("").
import { CsvError } from './errors.js';

/** Splits CSV text into rows of fields. A final line break does not start an empty row. */
export function parseCsv(text: string, opts: { delimiter?: string } = {}): string[][] {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new TypeError('tinysync: the CSV delimiter must be one character other than a quote or line break');
  }
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  let atFieldStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (atFieldStart && c === '"') {
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError('a quoted field is not closed', startLine);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') throw new CsvError(`text after a closing quote: ${JSON.stringify(text.slice(i, i + 10))}`, line);
      atFieldStart = false;
      continue;
    }
    if (c === delimiter) {
      endField();
      atFieldStart = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRow();
      atFieldStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || row.length > 0 || field !== '') endRow();
  return rows;
}
