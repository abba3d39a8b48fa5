// Reading and writing the two file formats, chosen by extension. Parse problems become
// FileParseError with the line and column; values the rules refuse are located in the text too.
import type { Document } from 'yaml';
import type { PathKey } from '../core/index.js';
import { isMissing, MissingPackageError } from '../core/missing-package.js';
import { decode, DecodeProblem, encode } from './encoding.js';
import { FileParseError, type FilePosition } from './errors.js';
import { jsonErrorOffset, lineCol } from './json-syntax.js';

export type Format = 'json' | 'yaml';

type Yaml = typeof import('yaml');
let yaml: Yaml | undefined;

/**
 * Loads the YAML library on first need, so that JSON-only programs start without it (it is
 * an optional peer of tinysync: a missing one is a MissingPackageError naming it).
 */
export async function loadYaml(): Promise<Yaml> {
  try {
    return (yaml ??= await import('yaml'));
  } catch (err) {
    throw isMissing(err, 'yaml') ? new MissingPackageError('yaml', 'tinysync/file (for .yaml and .yml files)', { cause: err }) : err;
  }
}

/**
 * The file a `trackFile` path names: the path itself, or `<path>.yaml` when its last segment
 * has no extension (the ancestor's `track(conf, 'example-config')` wrote YAML by default).
 */
export function withDefaultExtension(file: string): string {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return base.lastIndexOf('.') > 0 ? file : `${file}.yaml`;
}

/** The format a path's extension names: `.json`, `.yaml` / `.yml`. */
export function formatOf(file: string): Format {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  throw new FileParseError('E_FILE_PARSE', file, undefined, 'unknown file type (use .json, .yaml or .yml)');
}

/** The stored value a file's text holds (Maps and Sets decoded), or a FileParseError. */
export async function parseText(text: string, file: string, format: Format): Promise<unknown> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  let doc: Document | undefined;
  if (format === 'json') {
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      const offset = jsonErrorOffset(body) ?? 0;
      throw new FileParseError('E_FILE_PARSE', file, lineCol(body, offset), `not valid JSON (${(e as Error).message})`, { cause: e });
    }
  } else {
    const { isCollection, isScalar, LineCounter, parseDocument, visit } = await loadYaml();
    const counter = new LineCounter();
    doc = parseDocument(body, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
    const error = doc.errors[0];
    if (error) throw new FileParseError('E_FILE_PARSE', file, counter.linePos(error.pos[0]), `not valid YAML (${error.message})`, { cause: error });
    let complexKey: number | undefined;
    visit(doc, {
      Pair(_, pair) {
        if (isCollection(pair.key) || (pair.key !== null && !isScalar(pair.key))) {
          complexKey = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    if (complexKey !== undefined) throw new FileParseError('E_FILE_VALUE', file, counter.linePos(complexKey), 'a mapping key that is a collection (keys must be strings)');
    try {
      parsed = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new FileParseError('E_FILE_PARSE', file, undefined, `not valid YAML (${(e as Error).message})`, { cause: e });
    }
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new FileParseError('E_FILE_VALUE', file, { line: 1, col: 1 }, `holds ${parsed === null || parsed === undefined ? 'no data' : `a ${typeof parsed}`}, not an object or array`);
  }
  try {
    return decode(parsed);
  } catch (e) {
    if (!(e instanceof DecodeProblem)) throw e;
    throw new FileParseError('E_FILE_VALUE', file, await locate(doc, body, e.filePath), `cannot store ${e.message}`, { cause: e });
  }
}

/** Line and column of the node at `path`, found by parsing the text as YAML (JSON is YAML). */
async function locate(doc: Document | undefined, text: string, path: PathKey[]): Promise<FilePosition | undefined> {
  const d = doc ?? (await loadYaml()).parseDocument(text);
  const node = d.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lineCol(text, offset);
}

/**
 * The text a file holds for `value` (a snapshot): 2-space JSON, or block YAML (loadYaml()
 * first). With `sortKeys`, every mapping is written with its keys in code-point order, so the
 * file diffs well whatever order the program inserted them in.
 */
export function serialize(value: unknown, format: Format, sortKeys = false): string {
  const data = encode(value);
  if (format === 'json') return `${sortKeys ? sortedJson(data, '') : JSON.stringify(data, null, 2)}\n`;
  if (!yaml) throw new Error('tinysync: internal: the YAML library is not loaded');
  return yaml.stringify(data, { aliasDuplicateObjects: false, lineWidth: 0, sortMapEntries: sortKeys ? byCodePoint : false });
}

const byCodePoint = (a: { key: unknown }, b: { key: unknown }): number => {
  const x = String((a.key as { value?: unknown } | null)?.value ?? a.key);
  const y = String((b.key as { value?: unknown } | null)?.value ?? b.key);
  return x < y ? -1 : x > y ? 1 : 0;
};

// JSON.stringify cannot be used on a re-sorted object: JavaScript lists integer-like keys
// first whatever the insertion order, so sorted output is written by hand.
function sortedJson(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + sortedJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return '{}';
  const entries = keys.map((k) => `${inner}${JSON.stringify(k)}: ${sortedJson((value as Record<string, unknown>)[k], inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}
