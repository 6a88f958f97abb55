import { jsonKind, Span, YMap, YNode } from '../parse/yamlView';
import { Rules } from '../rules';
import type { ObjectType, SchemaType } from '../schema/schema';
import { FieldPath, Finding, headSpan } from './finding';

/**
 * What the API server's decoder rejects before validation runs: duplicate keys, unknown
 * fields (strict field validation) and values of the wrong JSON type. Messages follow
 * kubectl and encoding/json.
 */
export function checkDecoding(root: YMap, schema: ObjectType, text: string): Finding[] {
  const findings: Finding[] = [];
  walkObject(root, schema, FieldPath.root(''), [], schema.goType, text, findings);
  return findings;
}

function walkObject(
  node: YMap,
  schema: ObjectType,
  path: FieldPath,
  goPath: string[],
  _struct: string,
  text: string,
  findings: Finding[],
): void {
  const seen = new Map<string, Span>();
  for (const entry of node.entries) {
    if (entry.key === null) {
      findings.push({
        rule: Rules.invalidType,
        span: entry.keySpan,
        message: 'json: object keys must be strings; a map or list cannot be used as a key',
        field: path.toString() || undefined,
      });
      continue;
    }
    const fieldPath = path.child(entry.key);
    if (!entry.merged) {
      if (seen.has(entry.key)) {
        findings.push({
          rule: Rules.duplicateKey,
          span: entry.keySpan,
          message: `key ${JSON.stringify(entry.key)} already set in map (kubectl rejects duplicate keys; otherwise the last one wins)`,
          field: fieldPath.toString(),
        });
      }
      seen.set(entry.key, entry.keySpan);
    }
    const field = schema.fields[entry.key];
    if (!field) {
      const suggestion = didYouMean(entry.key, Object.keys(schema.fields));
      findings.push({
        rule: Rules.unknownField,
        span: entry.keySpan,
        message: `unknown field ${JSON.stringify(fieldPath.toString())}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`,
        field: fieldPath.toString(),
        data: suggestion ? { suggestion } : undefined,
      });
      continue;
    }
    walkValue(entry.value, field.schema, fieldPath, [...goPath, entry.key], schema.goType, text, findings);
  }
}

function walkValue(
  node: YNode | null,
  schema: SchemaType,
  path: FieldPath,
  goPath: string[],
  struct: string,
  text: string,
  findings: Finding[],
): void {
  // JSON null decodes into any Go type as its zero value.
  if (node === null || (node.kind === 'scalar' && node.value === null)) return;
  const mismatch = (extra?: string, valueText?: string) => {
    const kind = jsonKind(node);
    findings.push({
      rule: Rules.invalidType,
      span: headSpan(node, text),
      message:
        `json: cannot unmarshal ${valueText ?? kind} into Go struct field ${struct}.${goPath.join('.')} of type ${goTypeOf(schema)}` +
        (extra ? ` (${extra})` : ''),
      field: path.toString(),
    });
  };
  switch (schema.type) {
    case 'object':
      if (node.kind !== 'map') return mismatch(expectation(node, 'a map of fields'));
      return walkObject(node, schema, path, goPath, schema.goType, text, findings);
    case 'array':
      if (node.kind !== 'seq') return mismatch(expectation(node, 'a list'));
      node.items.forEach((item, i) => walkValue(item, schema.items, path.index(i), goPath, struct, text, findings));
      return;
    case 'map': {
      if (node.kind !== 'map') return mismatch(expectation(node, 'a map'));
      const seen = new Set<string>();
      for (const entry of node.entries) {
        if (entry.key === null) {
          findings.push({ rule: Rules.invalidType, span: entry.keySpan, message: 'json: object keys must be strings; a map or list cannot be used as a key', field: path.toString() });
          continue;
        }
        if (!entry.merged && seen.has(entry.key)) {
          findings.push({
            rule: Rules.duplicateKey,
            span: entry.keySpan,
            message: `key ${JSON.stringify(entry.key)} already set in map (kubectl rejects duplicate keys; otherwise the last one wins)`,
            field: path.toString(),
          });
        }
        seen.add(entry.key);
        walkValue(entry.value, schema.values, path, goPath, struct, text, findings);
      }
      return;
    }
    case 'string':
      if (node.kind === 'scalar' && typeof node.value === 'string') return;
      if (node.kind === 'scalar' && (typeof node.value === 'boolean' || typeof node.value === 'number' || typeof node.value === 'bigint')) {
        return mismatch(`YAML reads ${node.source} as a ${typeof node.value === 'boolean' ? 'boolean' : 'number'}: quote it, "${node.source}"`);
      }
      return mismatch(expectation(node, 'a string'));
    case 'integer': {
      if (node.kind === 'scalar' && (typeof node.value === 'number' || typeof node.value === 'bigint')) {
        const value = Number(node.value);
        const [min, max] = schema.goType === 'int32' ? [-2147483648, 2147483647] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
        if (Number.isInteger(value) && value >= min && value <= max) return;
        return mismatch(undefined, `number ${jsonNumber(node)}`);
      }
      if (node.kind === 'scalar' && typeof node.value === 'string') {
        return mismatch(/^\s*[0-9]+\s*$/.test(node.value) ? `write the number without quotes: ${node.value.trim()}` : 'expected a number');
      }
      return mismatch(expectation(node, 'a number'));
    }
    case 'int-or-string': {
      if (node.kind === 'scalar' && typeof node.value === 'string') return;
      if (node.kind === 'scalar' && (typeof node.value === 'number' || typeof node.value === 'bigint')) {
        const value = Number(node.value);
        if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return;
        return mismatch(undefined, `number ${jsonNumber(node)}`);
      }
      return mismatch(expectation(node, 'a port number or a port name'));
    }
    case 'boolean':
      if (node.kind === 'scalar' && typeof node.value === 'boolean') return;
      return mismatch(expectation(node, 'true or false'));
    case 'any':
      return;
  }
}

function goTypeOf(schema: SchemaType): string {
  // IntOrString decodes a non-string by unmarshalling it into its int32 field, so the error
  // names int32, not intstr.IntOrString.
  if (schema.type === 'int-or-string') return 'int32';
  return schema.type === 'object' ? schema.goTypeQualified : schema.goType;
}

/** The number as kubectl's JSON carries it: decimal, so `0x80000000` reads 2147483648. */
function jsonNumber(node: YNode): string {
  if (node.kind !== 'scalar') return '';
  const decimal = /^[-+]?(0|[1-9][0-9]*)$/.exec(node.source);
  if (decimal) return node.source.replace(/^\+/, '');
  return String(node.value);
}

function expectation(node: YNode, expected: string): string {
  const got = node.kind === 'map' ? 'a map' : node.kind === 'seq' ? 'a list' : typeof node.value === 'boolean' ? 'a boolean' : typeof node.value === 'number' ? 'a number' : 'a string';
  return `expected ${expected}, got ${got}`;
}

/** The closest known name, for typos such as `form` for `from` or `podselector`. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= Math.min(2, allowed) ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters costs one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
