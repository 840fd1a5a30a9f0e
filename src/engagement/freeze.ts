/**
 * Deep freezing: a loaded engagement is shared by every request and engine
 * tick, so nothing may change it in place.
 */

/** Freezes `value` and everything reachable from it; returns it for chaining. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze(Reflect.get(value, key));
  }
  return value;
}

/**
 * A map from user-chosen names (functions, priorities) without a prototype,
 * so a function called "constructor" is looked up as data, never as
 * Object.prototype.constructor.
 */
export function dictionary<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out: Record<string, V> = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}
