/**
 * JSON paths of `stages.<id>.fields`: dot-separated segments (`user.email`), a number indexes an
 * array (`items.0.card`), `*` is every element of an array or every property of an object
 * (`items.*.card`). A property name containing a dot cannot be named.
 */
export type JsonPath = readonly string[];

/** `user.email` -> ['user', 'email']; undefined when a segment is empty (`user..email`). */
export function parseJsonPath(text: string): JsonPath | undefined {
  const segments = text.split('.');
  return segments.every((s) => s.length > 0) ? segments : undefined;
}

/** A value replaced at a path (`replace` gets the JSON value found there). */
export type ReplaceValue = (value: unknown) => unknown;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own data property (also for a key named `__proto__`, which `=` would not). */
function setOwn(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return target;
}

/**
 * `value` with what `path` names replaced by `replace(found)`; `null` and absent values are left
 * alone. Copy on write: the input is never mutated (it may be a value a previous stage carried),
 * and the input itself is returned when the path names nothing.
 */
export function replaceAtPath(
  value: unknown,
  path: JsonPath,
  replace: ReplaceValue,
  at = 0,
): unknown {
  if (value === null || value === undefined) return value;
  if (at === path.length) return replace(value);
  const seg = path[at] as string;
  if (Array.isArray(value)) {
    if (seg === '*') {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const next = replaceAtPath(item, path, replace, at + 1);
        if (next !== item) {
          copy ??= value.slice();
          copy[i] = next;
        }
      });
      return copy ?? value;
    }
    if (!/^\d+$/.test(seg) || Number(seg) >= value.length) return value;
    const i = Number(seg);
    const next = replaceAtPath(value[i], path, replace, at + 1);
    if (next === value[i]) return value;
    const copy = value.slice();
    copy[i] = next;
    return copy;
  }
  if (!isObject(value)) return value;
  const keys = seg === '*' ? Object.keys(value) : Object.hasOwn(value, seg) ? [seg] : [];
  let copy: Record<string, unknown> | undefined;
  for (const k of keys) {
    const next = replaceAtPath(value[k], path, replace, at + 1);
    if (next !== value[k]) copy = setOwn(copy ?? { ...value }, k, next);
  }
  return copy ?? value;
}

/**
 * `value` with `replace` applied to every string, and to every number's decimal text (a number
 * whose text changed becomes the changed string); object keys are left alone. Copy on write.
 */
export function replaceInStrings(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (typeof value === 'number') {
    const text = String(value);
    const out = replace(text);
    return out === text ? value : out;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = replaceInStrings(item, replace);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    });
    return copy ?? value;
  }
  if (!isObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const next = replaceInStrings(value[k], replace);
    if (next !== value[k]) copy = setOwn(copy ?? { ...value }, k, next);
  }
  return copy ?? value;
}
