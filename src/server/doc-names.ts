// How document names travel in URLs: `/sync/<doc>`, `/docs/<doc>`, `/docs/<doc>/update`.

/** Longest accepted document name, in UTF-16 code units. */
export const MAX_DOC_NAME = 512;

/**
 * Decodes one URL path segment into a document name, or returns null when it is not a valid
 * name. A name is any non-empty text without control characters, up to 512 characters; it
 * travels percent-encoded as a single segment, so a `/` inside a name is sent as `%2F`
 * (`encodeURIComponent(name)` on the client side does exactly that).
 */
export function decodeDocName(segment: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > MAX_DOC_NAME || /[\u0000-\u001f\u007f]/.test(name)) return null;
  return name;
}
