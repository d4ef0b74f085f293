/** JSON with object keys sorted and undefined members dropped: equal exactly when the values are (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, member]) => member !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
