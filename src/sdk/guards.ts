/**
 * Array.isArray without its widening: it narrows a typed list to `any[]`, and the SDK checks values app code
 * may have built by hand (plain JavaScript apps) before trusting their types.
 */
export function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
