/** A value JSON can hold exactly (what a module config is made of). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The JSON form of `value`, or what keeps it from being one: `{ problem }` names the path. */
export type JsonResult = { readonly json: JsonValue } | { readonly problem: string };

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep-copies `value` into plain JSON (arrays, plain objects, finite numbers, strings,
 * booleans, null), dropping object keys whose value is `undefined` (an option left out).
 * Anything else (a function, a tensor, NaN, a class instance) is reported with its path,
 * so a config says which option cannot be saved rather than failing in `JSON.stringify`.
 */
export function toJson(value: unknown, path: string): JsonResult {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return { json: value };
  if (typeof value === 'number')
    return Number.isFinite(value) ? { json: value } : { problem: `${path} is ${value}, which JSON cannot hold` };
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) {
      const r = toJson(value[i] === undefined ? null : value[i], `${path}[${i}]`);
      if ('problem' in r) return r;
      out.push(r.json);
    }
    return { json: out };
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const r = toJson(v, `${path}.${k}`);
      if ('problem' in r) return r;
      out[k] = r.json;
    }
    return { json: out };
  }
  const what =
    typeof value === 'function' ? 'a function' : typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value;
  return { problem: `${path} is ${what}, which a model file cannot hold` };
}
