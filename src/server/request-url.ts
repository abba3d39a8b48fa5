// The path and query of a request target, read without letting `//host/...` change the host.
import { HttpError } from './errors.js';

/**
 * Parses a request target (`/docs/a?x=1`) into a URL whose pathname is exactly the path the
 * client sent. `new URL(target, base)` would read `//evil/x` as host `evil` and path `/x` (or
 * throw on `//a:b`), so the target is appended to a fixed origin instead. Anything but an
 * origin-form target (absolute-form `http://...`, `*`) and anything unparsable throws an
 * HttpError 400.
 */
export function requestUrl(target: string | undefined): URL {
  const raw = target ?? '/';
  if (!raw.startsWith('/')) throw new HttpError(400, 'bad request target: expected a path');
  try {
    return new URL(`http://request.invalid${raw}`);
  } catch {
    throw new HttpError(400, 'bad request target');
  }
}
