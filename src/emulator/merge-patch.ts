/** JSON Merge Patch (RFC 7396), as Imply applies PATCH bodies. */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const FIELD = { enumerable: true, writable: true, configurable: true };

/**
 * Returns `target` with `patch` merged in: objects merge key by key, `null` removes a key, and
 * anything else (arrays included) replaces the value whole. Pure: neither argument is changed.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // defineProperty, not assignment, so a `__proto__` key stays a plain (and later refused) field.
    else Object.defineProperty(result, key, { ...FIELD, value: applyMergePatch(result[key], value) });
  }
  return result;
}
