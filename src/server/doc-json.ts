// A document as plain JSON for `GET /docs/<doc>`: every top-level type the server knows of.
import * as Y from 'yjs';

// Yjs types are parameterised by their event type, which does not matter for reading values.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Y.AbstractType<any>;

/**
 * Exports every top-level type of `doc`: Y.Map as an object, Y.Array as an array, Y.Text and
 * XML types as strings, nested types likewise. On the server the top-level types arrive as
 * untyped containers (nobody called getMap/getArray), so each one's kind is inferred from its
 * content first. Objects are built without prototype, so keys such as `__proto__` stay data.
 */
export function docToJSON(doc: Y.Doc): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of [...doc.share.keys()]) out[name] = typeToJSON(typed(doc, name));
  return out;
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
