/**
 * Canonical JSON for hashing: the same value always gives the same bytes, whatever the key
 * order it was built or parsed with. Object keys are sorted by UTF-16 code unit (JavaScript's
 * default sort), no whitespace, strings and numbers as `JSON.stringify` writes them. Close to
 * RFC 8785 (JCS) for the values the audit log holds (strings, integers, booleans, null).
 *
 * Only JSON values are accepted: `undefined` object members are skipped (as `JSON.stringify`
 * does); anything else that is not JSON (functions, symbols, bigint, non-finite numbers,
 * `undefined` in an array) throws, because a hash over an ambiguous form proves nothing.
 *
 * @throws {TypeError} for a value that is not JSON.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold the number ${String(value)}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => {
          if (item === undefined) throw new TypeError('canonical JSON cannot hold undefined in an array');
          return canonicalJson(item);
        }).join(',')}]`;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) {
        throw new TypeError(`canonical JSON holds plain objects only, not ${value.constructor?.name ?? 'this object'}`);
      }
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}
