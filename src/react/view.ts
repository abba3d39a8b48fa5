// Read-only views of tracked objects, one per (component, object): every read through a view
// is credited to the component that owns it, and what a read returns is again a view of the
// same component. Views of unchanged objects keep their identity across renders, so memoized
// children given one skip rendering; a change gives the objects on its path new views.
import { isTracked, pathOf, type PathKey } from '../core/index.js';
import { ReadOnlyError } from './errors.js';
import { reading, type Renders } from './renders.js';

/** The tracked object behind each view. */
const sources = new WeakMap<object, object>();
/** Map and Set methods that write. */
const writers = new Set<PropertyKey>(['set', 'add', 'delete', 'clear']);

/**
 * The tracked object behind a view from `useTracked` (or the argument itself when it is not
 * a view). Write through it: views are read-only.
 *
 * @example
 * const todo = useTracked(props.todo);
 * <input type="checkbox" checked={todo.done} onChange={() => (source(todo).done = !todo.done)} />
 */
export function source<T extends object>(view: T): T {
  return (sources.get(view) as T | undefined) ?? view;
}

/** The view of `tracked` owned by `renders`. */
export function viewOf<T extends object>(renders: Renders, tracked: T): T {
  let view = renders.views.get(tracked);
  if (!view) {
    renders.views.set(tracked, (view = new Proxy(tracked, (renders.handler ??= handlerFor(renders)))));
    sources.set(view, tracked);
  }
  return view as T;
}

function deny(target: object, key: PropertyKey): never {
  let path: PathKey[] = [];
  try {
    path = pathOf(target);
  } catch {
    // detached: report the key alone
  }
  throw new ReadOnlyError(typeof key === 'symbol' ? path : [...path, key]);
}

function handlerFor(renders: Renders): ProxyHandler<object> {
  const out = (value: unknown): unknown => (isTracked(value) ? viewOf(renders, value as object) : value);
  return {
    get(target, key) {
      const value = reading(renders, () => Reflect.get(target, key, target));
      if (typeof value !== 'function') return out(value);
      if (Array.isArray(target)) {
        // Array.prototype's own methods read through this view; the core's are the writers.
        return value === (Array.prototype as unknown as Record<PropertyKey, unknown>)[key] ? value : () => deny(target, key);
      }
      if (!(target instanceof Map || target instanceof Set)) return value;
      if (writers.has(key)) return () => deny(target, key);
      // Map / Set readers run on the tracked collection; what they hand out becomes views.
      return (...args: unknown[]) => {
        const wrapped = args.map((a) => (typeof a === 'function' ? (...xs: unknown[]) => (a as (...v: unknown[]) => unknown)(...xs.map(out)) : a));
        const result = reading(renders, () => (value as (...v: unknown[]) => unknown).apply(target, wrapped));
        if (isTracked(result) || typeof (result as Iterator<unknown> | undefined)?.next !== 'function') return out(result);
        return (function* () {
          for (const item of result as Iterable<unknown>) yield Array.isArray(item) && !isTracked(item) ? item.map(out) : out(item);
        })();
      };
    },
    has: (target, key) => reading(renders, () => Reflect.has(target, key)),
    ownKeys: (target) => reading(renders, () => Reflect.ownKeys(target)),
    set: deny,
    deleteProperty: deny,
    defineProperty: deny,
  };
}
