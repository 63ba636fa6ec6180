/**
 * Sets `key` on a plain object. `__proto__` would change the prototype instead of adding a field
 * (and be lost from the JSON): it is defined as an own field.
 */
export function setField(fields: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(fields, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else fields[key] = value;
}
