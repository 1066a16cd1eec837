// Checks tool arguments against the tool's inputSchema before anything runs. Only the
// subset of JSON Schema our own schemas use (object with properties / required /
// additionalProperties: false; string with enum, minLength, maxLength; integer with minimum,
// maximum) — so a model's mistake becomes a precise tool error it can correct,
// rather than a half-run command.

/**
 * @param {unknown} value the `arguments` of a tools/call
 * @param {Record<string, any>} schema an inputSchema from tools.mjs
 * @returns {{field?: string, message: string}|null} the first problem, or null
 */
export function validateArguments(value, schema) {
  if (value === undefined || value === null) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) return { message: 'arguments must be a JSON object.' };
  const args = /** @type {Record<string, unknown>} */ (value);
  const props = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (args[name] === undefined) return { field: name, message: `"${name}" is required.` };
  }
  for (const [name, v] of Object.entries(args)) {
    const p = props[name];
    if (!p) {
      if (schema.additionalProperties === false) {
        return { field: name, message: `Unknown argument "${String(name).slice(0, 64)}"; this tool takes ${Object.keys(props).join(', ') || 'no arguments'}.` };
      }
      continue;
    }
    if (v === undefined) continue;
    const problem = checkValue(name, v, p);
    if (problem) return { field: name, message: problem };
  }
  return null;
}

/** @param {string} name @param {unknown} v @param {Record<string, any>} p */
function checkValue(name, v, p) {
  if (p.type === 'string') {
    if (typeof v !== 'string') return `"${name}" must be a string, not ${kind(v)}.`;
    if (p.enum && !p.enum.includes(v)) return `"${name}" must be one of ${p.enum.join(', ')}.`;
    if (p.minLength !== undefined && v.trim().length < p.minLength) return `"${name}" must not be empty.`;
    if (p.maxLength !== undefined && v.length > p.maxLength) return `"${name}" is longer than ${p.maxLength} characters.`;
    return null;
  }
  if (p.type === 'integer') {
    if (typeof v !== 'number' || !Number.isInteger(v)) return `"${name}" must be a whole number, not ${kind(v)}.`;
    if (p.minimum !== undefined && v < p.minimum) return `"${name}" must be at least ${p.minimum}.`;
    if (p.maximum !== undefined && v > p.maximum) return `"${name}" must be at most ${p.maximum}.`;
    return null;
  }
  return null;
}

/** @param {unknown} v */
function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
