/**
 * JSON for people: like `JSON.stringify(v, null, 2)`, but any array or object whose one-line form
 * fits in `width` columns at its indentation stays on one line. A scenario then reads as a short
 * list of steps (`{ "op": "send", "sock": "s0", "bytes": 101, … }`) instead of one field per line.
 * Output is still plain JSON: `JSON.parse(prettyJson(v))` equals `JSON.parse(JSON.stringify(v))`.
 */
export function prettyJson(value: unknown, width = 100): string {
  return render(value, '', width, 0);
}

/** One-line form with a space after ':' and ',' (strings keep their own spacing). */
function inline(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return 'null';
  if (value === null || typeof value !== 'object') return json;
  if (Array.isArray(value)) return `[${value.map((v) => inline(v ?? null)).join(', ')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
}

function render(value: unknown, indent: string, width: number, used: number): string {
  const flat = inline(value);
  if (value === null || typeof value !== 'object' || indent.length + used + flat.length <= width) {
    return flat;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => inner + render(v ?? null, inner, width, 1));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const lines = entries.map(([k, v]) => {
    const key = `${JSON.stringify(k)}: `;
    return inner + key + render(v, inner, width, key.length + 1);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
