/**
 * A minimal YAML emitter for generated manifests. It writes block style with either of the
 * two common sequence indentations, flow style where a value is wrapped in `flow`, and
 * quotes only the strings that would otherwise read as another type.
 */
export class Flow {
  constructor(readonly items: readonly (string | number)[]) {}
}

export const flow = (items: readonly (string | number)[]): Flow => new Flow(items);

export type Value = string | number | boolean | null | Flow | Value[] | { [key: string]: Value };

export interface WriteStyle {
  /** True: `- ` items indented under their key; false: at the key's column (kubectl's output). */
  indentSequences: boolean;
}

const plainUnsafe = /^$|^[\s-?:,[\]{}#&*!|>'"%@`~]|[:#]\s|\s$|^(?:true|false|yes|no|on|off|null|y|n|~)$|^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$|^0x|^0o/i;

export function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return plainUnsafe.test(value) ? JSON.stringify(value) : value;
}

function isEmptyMap(value: Value): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Flow) && Object.keys(value).length === 0;
}

function inline(value: Value): string | undefined {
  if (value instanceof Flow) return `[${value.items.map((item) => scalar(item)).join(', ')}]`;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (isEmptyMap(value)) return '{}';
  if (typeof value === 'object' && value !== null) return undefined;
  return scalar(value);
}

function writeMap(map: { [key: string]: Value }, indent: string, style: WriteStyle, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const [key, value] of Object.entries(map)) {
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const simple = inline(value);
    if (simple !== undefined) {
      out.push(`${lead}${scalar(key)}: ${simple}`);
    } else if (Array.isArray(value)) {
      out.push(`${lead}${scalar(key)}:`);
      writeSeq(value, style.indentSequences ? `${indent}  ` : indent, style, out);
    } else {
      out.push(`${lead}${scalar(key)}:`);
      writeMap(value as { [key: string]: Value }, `${indent}  `, style, out);
    }
  }
}

function writeSeq(items: Value[], indent: string, style: WriteStyle, out: string[]): void {
  for (const item of items) {
    const simple = inline(item);
    if (simple !== undefined) out.push(`${indent}- ${simple}`);
    else if (Array.isArray(item)) {
      out.push(`${indent}-`);
      writeSeq(item, `${indent}  `, style, out);
    } else writeMap(item as { [key: string]: Value }, `${indent}  `, style, out, `${indent}- `);
  }
}

/** One document's lines (without the `---` marker). */
export function writeDocument(root: { [key: string]: Value }, style: WriteStyle): string[] {
  const out: string[] = [];
  writeMap(root, '', style, out);
  return out;
}
