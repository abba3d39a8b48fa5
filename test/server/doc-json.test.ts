// docToJSON's depth limit: deep documents are refused with a clear error, never a stack overflow.
import { docToJSON, DocumentTooDeepError, MAX_JSON_DEPTH } from 'tinysync/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deepMapUpdate } from './deep-doc.js';

/** Like the server sees it: the update applied to a fresh document, no getMap called. */
function received(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** A plain JSON value nested `levels` deep: { n: { n: ... } }. */
function deepValue(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { n: value };
  return value;
}

describe('docToJSON depth limit', () => {
  it(`exports ${MAX_JSON_DEPTH} levels of nested maps and refuses one more with DocumentTooDeepError`, () => {
    const ok = docToJSON(received(deepMapUpdate(MAX_JSON_DEPTH)));
    let node = ok.root as Record<string, unknown>;
    let depth = 1;
    while ('child' in node) {
      node = node.child as Record<string, unknown>;
      depth++;
    }
    expect({ depth, leaf: node.leaf }).toEqual({ depth: MAX_JSON_DEPTH, leaf: true });
    expect(() => JSON.stringify(ok)).not.toThrow();
    expect(() => docToJSON(received(deepMapUpdate(MAX_JSON_DEPTH + 1)))).toThrow(DocumentTooDeepError);
  });

  it('refuses 30,000 levels with E_DOC_TOO_DEEP naming the top-level type, not a stack overflow', () => {
    const doc = received(deepMapUpdate(30_000));
    let error: unknown;
    try {
      docToJSON(doc);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DocumentTooDeepError);
    expect(error).toMatchObject({ code: 'E_DOC_TOO_DEEP', path: ['root'] });
  });

  it('counts plain objects inside a type too', () => {
    const doc = new Y.Doc();
    doc.getArray('list').push([deepValue(MAX_JSON_DEPTH - 1)]);
    expect(() => docToJSON(received(Y.encodeStateAsUpdate(doc)))).not.toThrow();
    doc.getArray('list').push([deepValue(MAX_JSON_DEPTH)]);
    expect(() => docToJSON(received(Y.encodeStateAsUpdate(doc)))).toThrow(DocumentTooDeepError);
  });
});
