// The objects a trackDb caller holds: the root and each branch are proxies whose keys are
// rows of the store, read on first access.
import { BRANCH_SEPARATOR as SEP } from './rows.js';
import type { DbStore } from './store.js';

/**
 * The root proxy (prefix `''`) or a branch's (prefix `<branch>` + U+001F): every key is a row,
 * read on first access. On the root, the branch names give the branches' proxies.
 */
export function proxyFor(store: DbStore, prefix: string, branches: ReadonlyMap<string, object>): object {
  const refuse = (what: string): never => {
    throw new TypeError(`tinysync: a trackDb ${prefix === '' ? 'root' : `branch (${prefix.slice(0, -1)})`} cannot take ${what}`);
  };
  // Keys holding the separator would reach into a branch's rows: they are no keys here.
  const plain = (key: string | symbol): key is string => typeof key === 'string' && !key.includes(SEP);
  const writable = (key: string | symbol): string => {
    if (typeof key === 'symbol') refuse('symbol keys');
    if ((key as string).includes(SEP)) refuse('keys holding U+001F (it separates branches from ids)');
    if (branches.has(key as string)) refuse(`a new value for the branch "${key as string}" (set or delete its keys instead)`);
    return prefix + (key as string);
  };
  return new Proxy(Object.create(null) as object, {
    get: (_, key) => (!plain(key) ? undefined : (branches.get(key) ?? store.read(prefix + key))),
    set: (_, key, value) => {
      store.set(writable(key), value);
      return true;
    },
    deleteProperty: (_, key) => {
      store.remove(writable(key));
      return true;
    },
    has: (_, key) => plain(key) && (branches.has(key) || store.has(prefix + key)),
    ownKeys: () => {
      const keys = store.keys(prefix === '' ? undefined : prefix).map((k) => k.slice(prefix.length));
      return prefix === '' ? [...keys, ...branches.keys()] : keys;
    },
    // An accessor, so that Object.keys() (which asks for every key's descriptor) reads no value.
    getOwnPropertyDescriptor: (_, key) => {
      if (!plain(key)) return undefined;
      const branch = branches.get(key);
      if (branch) return { value: branch, writable: false, enumerable: true, configurable: true };
      if (!store.has(prefix + key)) return undefined;
      return { get: () => store.read(prefix + key), set: (v: unknown) => store.set(writable(key), v), enumerable: true, configurable: true };
    },
    defineProperty: (_, key, desc) => {
      if (!('value' in desc)) refuse('accessors');
      store.set(writable(key), desc.value);
      return true;
    },
    setPrototypeOf: () => refuse('another prototype'),
    preventExtensions: () => refuse('being frozen'),
  });
}
