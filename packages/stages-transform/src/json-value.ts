/**
 * Turns a CEL result into a JSON value, following CEL's JSON mapping (google.protobuf.Value): int
 * and uint (bigint) become numbers, bytes base64, timestamps RFC 3339 strings, durations `"1.5s"`,
 * maps objects. Returns the same object when nothing needs converting (no copy).
 * @throws TypeError naming the path (`.a[2]`) for a value JSON cannot hold: an int beyond ±2^53,
 *   a NaN or infinite double, an optional, a type.
 */
export function toJsonValue(value: unknown, path = ''): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new TypeError(`${path || 'the result'} is ${value}, which JSON cannot hold`);
    case 'bigint':
      if (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
        return Number(value);
      throw new TypeError(
        `${path || 'the result'} is ${value}, beyond JSON's exact integers (±2^53)`,
      );
    case 'object':
      return value === null ? null : container(value, path);
    default:
      throw new TypeError(`${path || 'the result'} is a ${typeof value}, which JSON cannot hold`);
  }
}

function container(value: object, path: string): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const j = toJsonValue(v, `${path}[${i}]`);
      if (j === v) continue;
      out ??= value.slice();
      out[i] = j;
    }
    return out ?? value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v, `${path}.${String(k)}`);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return special(value, path);
  let out: Record<string, unknown> | undefined;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    const j = toJsonValue(v, `${path}.${k}`);
    if (j === v) continue;
    out ??= { ...value };
    out[k] = j;
  }
  return out ?? value;
}

/** cel-js uints (`valueOf()` is a bigint) and durations (`{ seconds, nanos }`); not optionals. */
function special(value: object, path: string): unknown {
  const primitive = value.valueOf();
  if (typeof primitive === 'bigint') return toJsonValue(primitive, path);
  const d = value as { seconds?: unknown; nanos?: unknown };
  if (
    (typeof d.seconds === 'number' || typeof d.seconds === 'bigint') &&
    typeof d.nanos === 'number'
  )
    return `${Number(d.seconds) + d.nanos / 1e9}s`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  throw new TypeError(`${path || 'the result'} is a CEL ${name}, which JSON cannot hold`);
}
