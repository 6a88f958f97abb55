import { detectStyle } from './edit/yamlEdit';
import { parse as parseYaml } from 'yaml';
import {
  Command,
  CompletionItem,
  CompletionItemKind,
  CompletionList,
  InsertTextFormat,
  InsertTextMode,
  MarkupKind,
  Position,
  Range,
  TextEdit,
} from 'vscode-languageserver-types';
import type { ParsedFile } from './parse/parseFile';
import { Field, labelSelector, networkPolicy, objectMeta, SchemaType } from './schema/schema';
import { CursorContext, findCursor, readLineShape, Step } from './completion/cursor';
import { combineLabelProviders, fileLabels, isStableProvider, LabelProvider, LabelScope, NAMESPACE_NAME_LABEL } from './completion/labels';

export type { LabelProvider, LabelScope, LabeledObject } from './completion/labels';
export { combineLabelProviders, fileLabels, workspaceLabels } from './completion/labels';

export interface CompletionContext {
  /** LSP's trigger kind: 1 invoked, 2 trigger character, 3 re-triggered for an incomplete list. */
  triggerKind?: number;
  triggerCharacter?: string;
  /** More label sets to complete from (a workspace index, a cluster), besides the file's own. */
  labels?: LabelProvider;
  /** False when the client cannot expand snippets; items then insert plain text. Default true. */
  snippetSupport?: boolean;
}

/** The characters after which the server asks to be called; see `triggerAllows`. */
export const completionTriggerCharacters = [' ', ':'];

const API_VERSION = 'networking.k8s.io/v1';
const KIND = 'NetworkPolicy';
const TRIGGER_CHARACTER = 2;
const retrigger: Command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };

/** Fields the API server sets; offering them would only invite errors. */
const serverSetMetadata = new Set([
  'uid',
  'resourceVersion',
  'generation',
  'selfLink',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
]);

const empty = (): CompletionList => ({ isIncomplete: false, items: [] });

/**
 * Completion in a NetworkPolicy document, or in a document that has no kind yet: keys from
 * the schema, enum values, and label keys and values seen in the file (and in `context.labels`)
 * inside selectors.
 */
export function getCompletions(file: ParsedFile, at: number | Position, context: CompletionContext = {}): CompletionList {
  if (file.tooLarge) return empty();
  const offset = typeof at === 'number' ? Math.max(0, Math.min(at, file.text.length)) : file.lines.offsetAt(at);
  const cursor = findCursor(file.lines, offset, isNetworkPolicyDocument);
  if (!cursor) return empty();
  if (!triggerAllows(cursor, context)) return empty();
  const request = new Request(file, offset, cursor, context);
  return { isIncomplete: false, items: request.items() };
}

/** A kind of NetworkPolicy, or no kind yet and nothing that belongs to another kind of document. */
function isNetworkPolicyDocument(top: ReadonlyMap<string, string | undefined>): boolean {
  if (top.has('kind')) return top.get('kind') === KIND;
  for (const key of top.keys()) {
    if (!Object.hasOwn(networkPolicy.fields, key)) return false;
  }
  const apiVersion = top.get('apiVersion');
  return apiVersion === undefined || apiVersion.startsWith('networking.k8s.io');
}

/**
 * A space or colon typed by the user asks for values and list items only; a space typed as
 * indentation must not open a list of keys.
 */
function triggerAllows(cursor: CursorContext, context: CompletionContext): boolean {
  if (context.triggerKind !== TRIGGER_CHARACTER) return true;
  if (context.triggerCharacter === ':') return cursor.target.kind === 'value' && cursor.needsSpace;
  if (context.triggerCharacter === ' ') {
    if (!cursor.afterSeparator || cursor.needsSpace) return false;
    return cursor.target.kind !== 'key' || cursor.flow;
  }
  return true;
}

interface Resolved {
  schema?: SchemaType;
  selector?: { scope: LabelScope; ownNamespace: boolean };
}

/** Walks the schema along the path, noting the selector the path enters. */
function resolve(path: readonly Step[], mapKeys: CursorContext['mapKeys']): Resolved {
  let schema: SchemaType | undefined = networkPolicy;
  let selector: Resolved['selector'];
  path.forEach((step, depth) => {
    if (!schema) return;
    if (step.kind === 'item') {
      schema = schema.type === 'array' ? schema.items : undefined;
      return;
    }
    if (schema.type === 'object') schema = schema.fields[step.key]?.schema;
    else if (schema.type === 'map') schema = schema.values;
    else schema = undefined;
    if (schema === labelSelector && step.key === 'podSelector') {
      // A podSelector alone picks pods in the policy's namespace; beside a namespaceSelector, in the namespaces it selects.
      selector = { scope: 'pod', ownNamespace: !mapKeys.get(depth)?.has('namespaceSelector') };
    } else if (schema === labelSelector && step.key === 'namespaceSelector') {
      selector = { scope: 'namespace', ownNamespace: false };
    }
  });
  return { schema, selector };
}

const lastKey = (path: readonly Step[], fromEnd = 1): string | undefined => {
  const step = path[path.length - fromEnd];
  return step && step.kind === 'key' ? step.key : undefined;
};

/** What the objects of one scope say about one label key, whichever namespace the cursor is in. */
interface KeyStats {
  key: string;
  total: number;
  origins: string[];
  /** How many of the objects carrying the key are in each namespace (undefined: written without one). */
  namespaces: Map<string | undefined, number>;
  values: Map<string, ValueStats>;
}

interface ValueStats {
  origins: string[];
  namespaces: Set<string | undefined>;
}

/** A key's statistics for one request: `preferred` counts the objects in the policy's own namespace. */
interface LabelStats extends KeyStats {
  preferred: number;
}

/** Label statistics per stable provider and scope, so that a request only ranks them. */
const keyStatsMemo = new WeakMap<LabelProvider, Map<LabelScope, KeyStats[]>>();

function keyStats(provider: LabelProvider, scope: LabelScope): KeyStats[] {
  const stable = isStableProvider(provider);
  const known = stable ? keyStatsMemo.get(provider)?.get(scope) : undefined;
  if (known) return known;
  const stats = new Map<string, KeyStats>();
  for (const object of provider.objects(scope)) {
    for (const [key, value] of Object.entries(object.labels)) {
      let entry = stats.get(key);
      if (!entry) stats.set(key, (entry = { key, total: 0, origins: [], namespaces: new Map(), values: new Map() }));
      entry.total++;
      entry.origins.push(object.origin);
      entry.namespaces.set(object.namespace, (entry.namespaces.get(object.namespace) ?? 0) + 1);
      let seen = entry.values.get(value);
      if (!seen) entry.values.set(value, (seen = { origins: [], namespaces: new Set() }));
      seen.origins.push(object.origin);
      seen.namespaces.add(object.namespace);
    }
  }
  if (scope === 'namespace' && !stats.has(NAMESPACE_NAME_LABEL)) {
    stats.set(NAMESPACE_NAME_LABEL, { key: NAMESPACE_NAME_LABEL, total: 0, origins: [], namespaces: new Map(), values: new Map() });
  }
  const result = [...stats.values()];
  if (stable) {
    let byScope = keyStatsMemo.get(provider);
    if (!byScope) keyStatsMemo.set(provider, (byScope = new Map()));
    byScope.set(scope, result);
  }
  return result;
}

/** Whose objects a selector prefers: those in the policy's namespace when it picks pods there, else none. */
interface Preference {
  own: boolean;
  namespace: string | undefined;
}

class Request {
  private readonly range: Range;
  private readonly snippets: boolean;
  private style?: { unit: number; compact: boolean };

  constructor(
    private readonly file: ParsedFile,
    private readonly offset: number,
    private readonly cursor: CursorContext,
    private readonly context: CompletionContext,
  ) {
    this.range = file.lines.range(cursor.replace[0], cursor.replace[1]);
    this.snippets = context.snippetSupport !== false;
  }

  items(): CompletionItem[] {
    const { cursor } = this;
    const { path, target } = cursor;
    const resolved = resolve(path, cursor.mapKeys);
    const schema = resolved.schema;
    if (!schema) return [];
    if (target.kind === 'key') {
      if (schema.type === 'object') return this.keyItems(schema.fields, cursor.mapKeys.get(path.length), cursor.column, '');
      if (schema.type === 'map' && lastKey(path) === 'matchLabels' && resolved.selector) {
        return this.labelKeyItems(resolved.selector, cursor.mapKeys.get(path.length), 'key');
      }
      if (schema.type === 'array' && !cursor.flow) return this.newItemItems(schema.items, cursor.seqItems.get(path.length));
      return [];
    }
    if (target.kind === 'item') {
      if (schema.type !== 'array') return [];
      const items = schema.items;
      if (items.type === 'object') {
        if (cursor.flow) return [];
        return this.keyItems(items.fields, cursor.mapKeys.get(path.length + 1), cursor.column, '');
      }
      const present = cursor.seqItems.get(path.length) ?? [];
      if (items.type === 'string' && items.enum) return this.enumItems(items.enum.filter((v) => !present.includes(v)));
      if (lastKey(path) === 'values' && lastKey(path, 3) === 'matchExpressions' && resolved.selector) {
        const requirement = cursor.mapKeys.get(path.length - 1);
        const operator = requirement?.get('operator');
        const key = requirement?.get('key');
        if (operator === 'Exists' || operator === 'DoesNotExist' || !key) return [];
        return this.labelValueItems(resolved.selector, key, present);
      }
      return [];
    }
    return this.valueItems(target.key, schema, resolved);
  }

  private valueItems(key: string, parent: SchemaType, resolved: Resolved): CompletionItem[] {
    const { path } = this.cursor;
    if (parent.type === 'map') {
      if (lastKey(path) === 'matchLabels' && resolved.selector) return this.labelValueItems(resolved.selector, key, []);
      return [];
    }
    if (parent.type !== 'object') return [];
    const field = parent.fields[key];
    if (!field) return [];
    if (path.length === 0 && key === 'apiVersion') return [this.valueItem(API_VERSION, CompletionItemKind.Constant, 'NetworkPolicy is served only as networking.k8s.io/v1.')];
    if (path.length === 0 && key === 'kind') return [this.valueItem(KIND, CompletionItemKind.Constant, field.description)];
    if (path.length === 1 && lastKey(path) === 'metadata' && key === 'namespace') return this.namespaceItems();
    if (key === 'key' && lastKey(path, 2) === 'matchExpressions' && resolved.selector) {
      return this.labelKeyItems(resolved.selector, undefined, 'value');
    }
    const schema = field.schema;
    if (schema.type === 'string' && schema.enum) return this.enumItems(schema.enum);
    if (schema === labelSelector && this.context.triggerKind !== TRIGGER_CHARACTER) {
      const meaning =
        key === 'namespaceSelector'
          ? 'Every namespace.'
          : path.length === 1
            ? 'Every pod in the policy\'s namespace.'
            : 'Every pod in the policy\'s namespace, or with a `namespaceSelector` in the same peer, every pod in the namespaces it selects.';
      return [this.valueItem('{}', CompletionItemKind.Value, `An empty selector: ${meaning}`)];
    }
    return [];
  }

  /** Keys of an object, except those already written. */
  private keyItems(fields: Readonly<Record<string, Field>>, present: ReadonlyMap<string, unknown> | undefined, column: number, prefix: string): CompletionItem[] {
    const items: CompletionItem[] = [];
    const isMetadata = fields === objectMeta.fields;
    Object.entries(fields).forEach(([name, field], index) => {
      if (present?.has(name)) return;
      if (isMetadata && serverSetMetadata.has(name)) return;
      const { text, again } = this.cursor.keyHasColon ? { text: escapeSnippet(name), again: false } : this.keySnippet(name, field.schema, column);
      items.push(
        this.item({
          label: prefix + name,
          kind: CompletionItemKind.Property,
          detail: typeName(field.schema),
          documentation: field.description,
          sortText: String(index).padStart(3, '0'),
          filterText: name,
          text: prefix + text,
          again,
        }),
      );
    });
    return items;
  }

  /** The text a key inserts: the key, its colon, and the start of its value. */
  private keySnippet(name: string, schema: SchemaType, column: number): { text: string; again: boolean } {
    const key = escapeSnippet(quoteIfNeeded(name, this.cursor.flow));
    const atRoot = this.cursor.path.length === 0;
    if (atRoot && name === 'apiVersion') return { text: `${key}: ${API_VERSION}`, again: false };
    if (atRoot && name === 'kind') return { text: `${key}: ${KIND}`, again: false };
    const { unit, compact } = this.indentStyle();
    const flow = this.cursor.flow;
    const child = '\n' + ' '.repeat(column + unit);
    const item = '\n' + ' '.repeat(compact ? column : column + unit) + '- ';
    switch (schema.type) {
      case 'object':
      case 'map':
        return { text: flow ? `${key}: {$0}` : `${key}:${child}$0`, again: true };
      case 'array': {
        const choice = schema.items.type === 'string' && schema.items.enum ? choiceSnippet(schema.items.enum) : '$0';
        return { text: flow ? `${key}: [${choice}]` : `${key}:${item}${choice}`, again: choice === '$0' };
      }
      case 'string':
        if (schema.enum) return { text: `${key}: ${choiceSnippet(schema.enum)}`, again: false };
        return { text: `${key}: $0`, again: name === 'key' || name === 'namespace' };
      default:
        return { text: `${key}: $0`, again: false };
    }
  }

  /** On a line under a list's key that has no `- ` yet: whole new items. */
  private newItemItems(items: SchemaType, present: readonly string[] = []): CompletionItem[] {
    if (items.type === 'string' && items.enum) {
      return items.enum
        .filter((v) => !present.includes(v))
        .map((value, index) => this.item({ label: `- ${value}`, kind: CompletionItemKind.EnumMember, filterText: value, sortText: String(index).padStart(3, '0'), text: `- ${escapeSnippet(value)}` }));
    }
    if (items.type === 'object') return this.keyItems(items.fields, undefined, this.cursor.column + 2, '- ');
    return [];
  }

  private enumItems(values: readonly string[]): CompletionItem[] {
    return values.map((value, index) => ({ ...this.valueItem(value, CompletionItemKind.EnumMember), sortText: String(index).padStart(3, '0') }));
  }

  private valueItem(value: string, kind: CompletionItemKind, documentation?: string): CompletionItem {
    const text = (this.cursor.needsSpace ? ' ' : '') + this.quoteLike(value);
    return this.item({ label: value, kind, documentation, filterText: this.filterFor(value), text: escapeSnippet(text) });
  }

  private namespaceItems(): CompletionItem[] {
    const names = new Set<string>();
    for (const object of this.labels().objects('namespace')) {
      const name = object.labels[NAMESPACE_NAME_LABEL];
      if (name) names.add(name);
    }
    return [...names].sort().map((name) => this.valueItem(name, CompletionItemKind.Module, `Namespace \`${name}\`, seen in this file or workspace.`));
  }

  private labels(): LabelProvider {
    return combineLabelProviders([fileLabels(this.file), this.context.labels]);
  }

  /** Label keys of the pods or namespaces a selector can match, most common first. */
  private labelStats(selector: NonNullable<Resolved['selector']>): { stats: LabelStats[]; prefer: Preference } {
    const prefer: Preference = { own: selector.ownNamespace, namespace: selector.ownNamespace ? this.policyNamespace() : undefined };
    const stats = keyStats(this.labels(), selector.scope).map((entry): LabelStats => ({ ...entry, preferred: prefer.own ? (entry.namespaces.get(prefer.namespace) ?? 0) : 0 }));
    return { stats: stats.sort((a, b) => b.preferred - a.preferred || b.total - a.total || a.key.localeCompare(b.key)), prefer };
  }

  private labelKeyItems(selector: NonNullable<Resolved['selector']>, present: ReadonlyMap<string, unknown> | undefined, form: 'key' | 'value'): CompletionItem[] {
    const stats = this.labelStats(selector).stats.filter((s) => !present?.has(s.key));
    return stats.map((stat, index) => {
      const documentation =
        stat.key === NAMESPACE_NAME_LABEL && selector.scope === 'namespace'
          ? 'Set by the API server on every namespace, to the namespace\'s name.' + describeValues(stat)
          : `On ${listOrigins(stat.origins)}.` + describeValues(stat);
      let text: string;
      let again = false;
      if (form === 'value') {
        text = escapeSnippet((this.cursor.needsSpace ? ' ' : '') + this.quoteLike(stat.key));
      } else if (this.cursor.keyHasColon) {
        text = escapeSnippet(quoteIfNeeded(stat.key, this.cursor.flow));
      } else {
        text = `${escapeSnippet(quoteIfNeeded(stat.key, this.cursor.flow))}: $0`;
        again = true;
      }
      return this.item({
        label: stat.key,
        kind: CompletionItemKind.Field,
        detail: selector.scope === 'pod' ? 'pod label' : 'namespace label',
        documentation,
        filterText: this.filterFor(stat.key),
        sortText: String(index).padStart(4, '0'),
        text,
        again,
      });
    });
  }

  private labelValueItems(selector: NonNullable<Resolved['selector']>, key: string, present: readonly string[]): CompletionItem[] {
    const { stats, prefer } = this.labelStats(selector);
    const stat = stats.find((s) => s.key === key);
    if (!stat) return [];
    const preferred = (seen: ValueStats) => prefer.own && seen.namespaces.has(prefer.namespace);
    const values = [...stat.values].filter(([value]) => !present.includes(value));
    values.sort(([a, x], [b, y]) => Number(preferred(y)) - Number(preferred(x)) || y.origins.length - x.origins.length || a.localeCompare(b));
    return values.map(([value, seen], index) => ({
      ...this.valueItem(value, CompletionItemKind.Value, `\`${key}: ${value}\` on ${listOrigins(seen.origins)}.`),
      detail: selector.scope === 'pod' ? 'pod label value' : 'namespace label value',
      sortText: String(index).padStart(4, '0'),
    }));
  }

  private policyNamespace(): string | undefined {
    // A document's span ends at its last node, so trailing lines belong to the last document that starts before the cursor.
    // Documents are in source order: the last one starting at or before the offset is found by bisection.
    const documents = this.file.documents;
    let low = 0;
    let high = documents.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (documents[middle].span[0] <= this.offset) low = middle + 1;
      else high = middle;
    }
    return documents[low - 1]?.manifests[0]?.namespace;
  }

  /** A value as it must be written: quoted when YAML would read it as something else, in the quote the user started. */
  private quoteLike(value: string): string {
    const quote = this.cursor.partial[0];
    if (quote === '"') return JSON.stringify(value);
    if (quote === "'") return `'${value.replace(/'/g, "''")}'`;
    return quoteIfNeeded(value, this.cursor.flow);
  }

  private filterFor(value: string): string {
    const quote = this.cursor.partial[0];
    return quote === '"' || quote === "'" ? quote + value : value;
  }

  private item(options: {
    label: string;
    kind: CompletionItemKind;
    text: string;
    detail?: string;
    documentation?: string;
    filterText?: string;
    sortText?: string;
    again?: boolean;
  }): CompletionItem {
    const newText = this.snippets ? options.text : snippetToText(options.text);
    const item: CompletionItem = {
      label: options.label,
      kind: options.kind,
      textEdit: TextEdit.replace(this.range, newText),
      insertTextFormat: this.snippets ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      // Inserted lines carry their full indentation, computed from the key's column.
      insertTextMode: InsertTextMode.asIs,
    };
    if (options.detail) item.detail = options.detail;
    if (options.documentation) item.documentation = { kind: MarkupKind.Markdown, value: options.documentation };
    if (options.filterText) item.filterText = options.filterText;
    if (options.sortText) item.sortText = options.sortText;
    if (options.again && this.snippets) item.command = retrigger;
    const emptyParent = this.cursor.emptyParentValue;
    if (emptyParent && !this.cursor.flow) {
      // `podSelector: {}` gains a child on the next line: the `{}` has to go.
      let start = emptyParent[0];
      while (start > 0 && (this.file.text[start - 1] === ' ' || this.file.text[start - 1] === '\t')) start--;
      item.additionalTextEdits = [TextEdit.del(this.file.lines.range(start, emptyParent[1]))];
    }
    return item;
  }

  /** The file's indentation step and whether its lists sit in their key's column. */
  private indentStyle(): { unit: number; compact: boolean } {
    if (this.style) return this.style;
    // The lines around the cursor are enough, and keep this cheap in very large files.
    const lines = this.file.lines;
    const here = lines.positionAt(this.offset).line;
    const window = this.file.text.slice(lines.lineStart(Math.max(0, here - 1500)), lines.lineEnd(Math.min(lines.lineCount - 1, here + 1500)));
    const { unit, indentSequences } = detectStyle(window);
    this.style = { unit: Math.min(Math.max(unit, 1), 8), compact: !indentSequences };
    return this.style;
  }
}

function describeValues(stat: LabelStats): string {
  if (stat.values.size === 0) return '';
  const values = [...stat.values.keys()].sort();
  const shown = values.slice(0, 8).map((v) => `\`${v}\``);
  return `\n\nValues: ${shown.join(', ')}${values.length > shown.length ? `, and ${values.length - shown.length} more` : ''}.`;
}

function listOrigins(origins: readonly string[]): string {
  const shown = origins.slice(0, 3).join(', ');
  return origins.length > 3 ? `${shown} and ${origins.length - 3} more` : shown;
}

function typeName(schema: SchemaType): string {
  switch (schema.type) {
    case 'object':
      return schema.goType;
    case 'array':
      return `list of ${typeName(schema.items)}`;
    case 'map':
      return 'map of string to string';
    case 'string':
      return schema.enum ? schema.enum.join(' | ') : 'string';
    case 'integer':
      return 'integer';
    case 'int-or-string':
      return 'integer or string';
    case 'boolean':
      return 'boolean';
    default:
      return schema.goType;
  }
}

/** Words YAML 1.1 reads as booleans or null. */
const yaml11Words = new Set(
  ['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null'].flatMap((w) => [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()]),
);

/** A plain scalar when YAML 1.1 reads it back as the same string, else a double-quoted one. */
export function quoteIfNeeded(value: string, flow: boolean): string {
  if (value === '' || (flow && /[,\[\]{}]/.test(value)) || /^\s|\s$/.test(value)) return JSON.stringify(value);
  // Most keys and label values are words that YAML reads as strings; only the rest need the parser.
  if (/^[A-Za-z_][\w.\/-]*$/.test(value) && !yaml11Words.has(value)) return value;
  try {
    const read: unknown = parseYaml(value, { version: '1.1' });
    if (read === value) return value;
  } catch {
    // Not a valid plain scalar: quote it.
  }
  return JSON.stringify(value);
}

function escapeSnippet(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

function choiceSnippet(values: readonly string[]): string {
  return `\${1|${values.map((v) => v.replace(/[\\,|$}]/g, (c) => `\\${c}`)).join(',')}|}`;
}

/** What a snippet inserts with every placeholder left at its default (a choice's first option). */
export function snippetToText(snippet: string): string {
  let out = '';
  let i = 0;
  const readUntil = (stops: string): string => {
    let text = '';
    while (i < snippet.length && !stops.includes(snippet[i])) {
      if (snippet[i] === '\\' && i + 1 < snippet.length) {
        text += snippet[i + 1];
        i += 2;
        continue;
      }
      if (snippet[i] === '$') {
        text += readDollar();
        continue;
      }
      text += snippet[i++];
    }
    return text;
  };
  const readDollar = (): string => {
    i++;
    const simple = /^(\d+|[A-Za-z_]\w*)/.exec(snippet.slice(i));
    if (simple) {
      i += simple[0].length;
      return '';
    }
    if (snippet[i] !== '{') return '$';
    i++;
    const head = /^(\d+|[A-Za-z_]\w*)/.exec(snippet.slice(i));
    if (!head) return '';
    i += head[0].length;
    let text = '';
    if (snippet[i] === ':') {
      i++;
      text = readUntil('}');
    } else if (snippet[i] === '|') {
      i++;
      const choices: string[] = [];
      let choice = '';
      while (i < snippet.length && !(snippet[i] === '|' && snippet[i + 1] === '}')) {
        if (snippet[i] === '\\' && i + 1 < snippet.length) {
          choice += snippet[i + 1];
          i += 2;
        } else if (snippet[i] === ',') {
          choices.push(choice);
          choice = '';
          i++;
        } else {
          choice += snippet[i++];
        }
      }
      choices.push(choice);
      i++;
      text = choices[0];
    }
    if (snippet[i] === '}') i++;
    return text;
  };
  out = readUntil('');
  return out;
}
