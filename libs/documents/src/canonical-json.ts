/**
 * JSON with object keys sorted and undefined members dropped: equal exactly when the values are (jsonb reorders keys).
 * Keys sort by UTF-16 code unit, not localeCompare: the order must not depend on the machine's locale, and no two
 * distinct keys may compare equal.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, member]) => member !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
