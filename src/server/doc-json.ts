// A document as plain JSON for `GET /docs/<doc>`: every top-level type the server knows of.
import * as Y from 'yjs';
import { DocumentTooDeepError } from './errors.js';

// Yjs types are parameterised by their event type, which does not matter for reading values.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Y.AbstractType<any>;

/**
 * Deepest nesting {@link docToJSON} exports: a top-level type is level 1, each nested type,
 * object or array one more. The export recurses, and so does `JSON.stringify`, so a client
 * could otherwise overflow the stack with one deep document.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Exports every top-level type of `doc`: Y.Map as an object, Y.Array as an array, Y.Text and
 * XML types as strings, nested types likewise. On the server the top-level types arrive as
 * untyped containers (nobody called getMap/getArray), so each one's kind is inferred from its
 * content first. Objects are built without prototype, so keys such as `__proto__` stay data.
 * Throws a DocumentTooDeepError when a type nests deeper than {@link MAX_JSON_DEPTH} levels
 * (measured first without recursion, so the export itself never goes deeper).
 */
export function docToJSON(doc: Y.Doc): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of [...doc.share.keys()]) {
    const type = typed(doc, name);
    checkDepth(type, name);
    out[name] = typeToJSON(type);
  }
  return out;
}

/** Throws unless everything under `root` (level 1) lies within MAX_JSON_DEPTH levels. */
function checkDepth(root: AnyType, name: string): void {
  const stack: [value: unknown, depth: number][] = [[root, 1]];
  const push = (item: Y.Item | null, depth: number) => {
    if (item === null || item.deleted) return;
    const c = item.content;
    if (c instanceof Y.ContentType) stack.push([c.type, depth]);
    else if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) for (const v of c.arr) stack.push([v, depth]);
  };
  while (stack.length > 0) {
    // Only containers are levels: a string or number inside level n adds none.
    const [value, depth] = stack.pop()!;
    const type = value instanceof Y.AbstractType;
    const container = type || (typeof value === 'object' && value !== null && !(value instanceof Uint8Array));
    if (!container) continue;
    if (depth > MAX_JSON_DEPTH) throw new DocumentTooDeepError(name, MAX_JSON_DEPTH);
    if (type) {
      for (const item of value._map.values()) push(item, depth + 1);
      for (let item = value._start; item !== null; item = item.right) push(item, depth + 1);
    } else {
      for (const v of Object.values(value)) stack.push([v, depth + 1]);
    }
  }
}

function typed(doc: Y.Doc, name: string): AnyType {
  const type = doc.share.get(name)!;
  if (type.constructor !== Y.AbstractType) return type;
  // Fetching with a concrete constructor turns the untyped container into that type in place.
  switch (inferKind(type)) {
    case 'text':
      return doc.getText(name);
    case 'xml':
      return doc.getXmlFragment(name);
    case 'array':
      return doc.getArray(name);
    default:
      return doc.getMap(name);
  }
}

function inferKind(type: AnyType): 'text' | 'xml' | 'array' | 'map' {
  let seq = false;
  for (let item = type._start; item !== null; item = item.right) {
    seq = true;
    const c = item.content;
    if (c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) return 'text';
    if (c instanceof Y.ContentType && (c.type instanceof Y.XmlElement || c.type instanceof Y.XmlText)) return 'xml';
  }
  return seq ? 'array' : 'map';
}

function typeToJSON(type: AnyType): unknown {
  if (type instanceof Y.Map) {
    const obj: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of type.entries()) obj[key] = valueToJSON(value);
    return obj;
  }
  if (type instanceof Y.Array) return type.toArray().map(valueToJSON);
  if (type instanceof Y.Text || type instanceof Y.XmlFragment || type instanceof Y.XmlElement || type instanceof Y.XmlText) return type.toString();
  return type.toJSON();
}

function valueToJSON(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return typeToJSON(value);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Y.Doc) return { guid: value.guid };
  return value;
}
