/**
 * The reachability view's page and the messages between it and the extension, without the
 * `vscode` API, so that the unit tests can check the Content Security Policy, the message
 * validation and the Markdown subset directly.
 *
 * The page is a static skeleton; media/reachability/reachability.js fills it from the messages
 * below using DOM nodes and text only (never HTML strings), and media/reachability/reachability.css
 * styles it with the theme's CSS variables.
 */
import { randomBytes } from 'crypto';
import type { Protocol } from '../../server/src/protocol';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** More namespaces than this in one message are rejected (a message, not a workspace, is that large). */
export const MAX_NAMESPACES = 1000;
/** Namespace names are DNS labels of at most 63 characters; longer strings are not names. */
export const MAX_NAMESPACE_LENGTH = 253;

// ---- The page -----------------------------------------------------------------------------

export interface ReachabilityHtmlOptions {
  /** A fresh random value per page load, e.g. from `createNonce()`. */
  nonce: string;
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of media/reachability/reachability.js, as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(...)` of media/reachability/reachability.css, as a string. */
  styleUri: string;
}

/** 128 random bits as hex: valid in a CSP nonce source and in an HTML attribute as is. */
export function createNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Text for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The Content-Security-Policy of the page: nothing but our own stylesheet, images and the nonce'd script. */
export function contentSecurityPolicy(nonce: string, cspSource: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${cspSource}`].join('; ');
}

/** The page. Every value put into it is escaped; the only script is the nonce'd media file. */
export function renderReachabilityHtml(options: ReachabilityHtmlOptions): string {
  if (!/^[A-Za-z0-9+/_=-]{16,}$/.test(options.nonce)) throw new Error('The nonce must be at least 16 base64 or hex characters.');
  const cspSource = options.cspSource.trim().split(/\s+/).join(' ');
  // `webview.cspSource` is a list of source expressions, e.g. "'self' https://*.vscode-cdn.net":
  // no directive separators, no keywords but 'self', no wildcard origin of its own.
  const sources = cspSource.split(' ');
  if (cspSource === '' || !sources.every((source) => source === "'self'" || /^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9*.:_-]+[A-Za-z0-9/._~%-]*$/.test(source))) {
    throw new Error(`cspSource is not a list of source expressions: ${JSON.stringify(options.cspSource)}`);
  }
  const nonce = escapeHtml(options.nonce);
  const csp = escapeHtml(contentSecurityPolicy(options.nonce, cspSource));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>NetworkPolicy Reachability</title>
</head>
<body>
<header class="controls">
  <fieldset class="namespaces">
    <legend>Namespaces</legend>
    <div id="namespace-list" class="namespace-list"></div>
    <p class="hint" id="namespace-hint">None checked: every namespace.</p>
  </fieldset>
  <div class="field">
    <label for="port">Port</label>
    <input id="port" type="number" min="1" max="65535" step="1" inputmode="numeric" aria-describedby="port-error">
    <span id="port-error" class="error-text" role="alert"></span>
  </div>
  <div class="field">
    <label for="protocol">Protocol</label>
    <select id="protocol">
${PROTOCOLS.map((p) => `      <option value="${p}">${p}</option>`).join('\n')}
    </select>
  </div>
</header>
<p class="legend" id="legend">
  <span class="legend-item"><span class="mark allowed" aria-hidden="true">\u2713</span> allowed</span>
  <span class="legend-item"><span class="mark denied" aria-hidden="true">\u2717</span> denied</span>
  <span class="legend-item">Rows are sources (from), columns are destinations (to). Select a cell to see why.</span>
</p>
<p id="status" class="status" role="status" aria-live="polite">Loading\u2026</p>
<main class="main">
<div id="grid-wrap" class="grid-wrap">
  <table id="grid" class="grid" role="grid" aria-labelledby="grid-caption">
    <caption id="grid-caption"></caption>
  </table>
</div>
<section id="explanation" class="explanation" aria-live="polite" aria-labelledby="explanation-title" hidden>
  <h2 id="explanation-title"></h2>
  <div id="explanation-body"></div>
  <div id="explanation-links" class="links"></div>
</section>
</main>
<script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}

// ---- Messages from the page ------------------------------------------------------------------

export type WebviewMessage =
  /** The page loaded (again) and wants the current state. */
  | { type: 'ready' }
  /** The controls changed: recompute the grid. */
  | { type: 'query'; namespaces: string[]; port: number; protocol: Protocol }
  /** A cell was chosen: explain pods[from] -> pods[to] of the grid shown. */
  | { type: 'explain'; from: number; to: number }
  /** A link of the explanation shown was chosen. */
  | { type: 'reveal'; link: number }
  /** A row or column header was chosen: reveal that pod's manifest. */
  | { type: 'revealPod'; pod: number };

/** What the extension currently shows, to check indices against. */
export interface MessageBounds {
  /** The number of pods of the grid (rows and columns). */
  pods: number;
  /** The number of links of the explanation shown. */
  links: number;
}

const FIELDS: Record<WebviewMessage['type'], readonly string[]> = {
  ready: ['type'],
  query: ['type', 'namespaces', 'port', 'protocol'],
  explain: ['type', 'from', 'to'],
  reveal: ['type', 'link'],
  revealPod: ['type', 'pod'],
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isIndex(value: unknown, size: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < size;
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}

function isNamespaceList(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length > MAX_NAMESPACES) return false;
  // Index by index, so that the holes of a sparse array count as the undefined they read as.
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || item.length === 0 || item.length > MAX_NAMESPACE_LENGTH || /[\u0000-\u001f\u007f]/.test(item)) return false;
  }
  return true;
}

/**
 * A message from the page, checked field by field: a plain object with exactly the fields of
 * its type (so no `__proto__`, `constructor` or other extra keys), numbers that are whole and
 * in range, indices within what is shown. Anything else is `undefined` and is ignored.
 */
export function parseWebviewMessage(raw: unknown, bounds: MessageBounds): WebviewMessage | undefined {
  if (!isPlainObject(raw)) return undefined;
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, type)) return undefined;
  const fields = FIELDS[type as WebviewMessage['type']];
  const keys = Object.getOwnPropertyNames(raw);
  if (Object.getOwnPropertySymbols(raw).length > 0) return undefined;
  if (keys.length !== fields.length || !keys.every((key) => fields.includes(key))) return undefined;
  switch (type) {
    case 'ready':
      return { type };
    case 'query':
      if (!isNamespaceList(raw.namespaces) || !isPort(raw.port) || !isProtocol(raw.protocol)) return undefined;
      return { type, namespaces: [...new Set(raw.namespaces)], port: raw.port, protocol: raw.protocol };
    case 'explain':
      if (!isIndex(raw.from, bounds.pods) || !isIndex(raw.to, bounds.pods)) return undefined;
      return { type, from: raw.from, to: raw.to };
    case 'reveal':
      return isIndex(raw.link, bounds.links) ? { type, link: raw.link } : undefined;
    case 'revealPod':
      return isIndex(raw.pod, bounds.pods) ? { type, pod: raw.pod } : undefined;
    default:
      return undefined;
  }
}

// ---- Messages to the page --------------------------------------------------------------------

export interface GridPod {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  /** Whether a manifest can be revealed for it. */
  revealable: boolean;
}

export type ExtensionMessage =
  | {
      type: 'state';
      /** Every namespace with pods in the workspace, and those checked. */
      namespaces: string[];
      selected: string[];
      port: number;
      protocol: Protocol;
      pods: GridPod[];
      allowed: boolean[][];
      /** Why the grid is cut or empty, when it is. */
      note?: string;
      /** Shown instead of the grid when the server cannot answer. */
      error?: string;
    }
  | {
      type: 'explanation';
      from: number;
      to: number;
      allowed: boolean;
      verdict: string;
      blocks: MarkdownBlock[];
      links: string[];
      error?: string;
    }
  | { type: 'clearExplanation' };

// ---- A Markdown subset, as data ------------------------------------------------------------------

export interface Span {
  text: string;
  bold?: boolean;
  code?: boolean;
  /** The index of a link the page may ask to reveal (see `LinkResolver`). */
  link?: number;
}

export type MarkdownBlock =
  | { kind: 'heading'; level: number; spans: Span[] }
  | { kind: 'paragraph'; spans: Span[] }
  | { kind: 'quote'; spans: Span[] }
  /** `depths[i]`: how deep item i is nested (0 for the outer list); absent when nothing is nested. */
  | { kind: 'list'; items: Span[][]; depths?: number[] }
  | { kind: 'code'; text: string };

/**
 * Turns a Markdown link target into the index of a link the extension can reveal, or
 * undefined: then only the link's text is shown. Targets are never given to the page.
 */
export type LinkResolver = (target: string) => number | undefined;

/** At most this much Markdown is converted; an explanation is a few kilobytes. */
const MAX_MARKDOWN = 200_000;
const ESCAPABLE = /[\\`*_[\]()#+\-.!<>|~{}]/;

function sameMarks(a: Span, b: Span): boolean {
  return !a.bold === !b.bold && !a.code === !b.code && a.link === b.link;
}

/**
 * Inline Markdown as text spans: `code`, **bold**, [text](target) and [text](<target>),
 * backslash escapes. The page shows spans with textContent, so no input can become markup.
 */
export function inlineSpans(text: string, resolveLink?: LinkResolver, inherited: { link?: number } = {}): Span[] {
  const spans: Span[] = [];
  const push = (span: Span) => {
    if (span.text === '') return;
    if (inherited.link !== undefined && span.link === undefined) span = { ...span, link: inherited.link };
    const last = spans[spans.length - 1];
    if (last && sameMarks(last, span)) last.text += span.text;
    else spans.push(span);
  };
  let bold = false;
  let plain = '';
  const flush = () => {
    push(bold ? { text: plain, bold: true } : { text: plain });
    plain = '';
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let ticks = 1;
      while (text[i + ticks] === '`') ticks++;
      const fence = '`'.repeat(ticks);
      const end = text.indexOf(fence, i + ticks);
      if (end >= 0) {
        flush();
        let code = text.slice(i + ticks, end);
        if (code.length > 1 && code.startsWith(' ') && code.endsWith(' ')) code = code.slice(1, -1);
        push(bold ? { text: code, code: true, bold: true } : { text: code, code: true });
        i = end + ticks;
        continue;
      }
      plain += fence;
      i += ticks;
      continue;
    }
    if (c === '*' && text[i + 1] === '*') {
      flush();
      bold = !bold;
      i += 2;
      continue;
    }
    if (c === '[') {
      const link = readLink(text, i);
      if (link) {
        flush();
        const index = resolveLink?.(link.target);
        for (const span of inlineSpans(link.text, undefined, { link: index ?? inherited.link })) {
          const marked = bold ? { ...span, bold: true } : span;
          push(index === undefined && inherited.link === undefined ? { ...marked, link: undefined } : marked);
        }
        i = link.end;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return spans.map((span) => {
    const out: Span = { text: span.text };
    if (span.bold) out.bold = true;
    if (span.code) out.code = true;
    if (span.link !== undefined) out.link = span.link;
    return out;
  });
}

/** `[text](target)` or `[text](<target>)` at `start`: its text (escapes kept), target and end. */
function readLink(text: string, start: number): { text: string; target: string; end: number } | undefined {
  let depth = 0;
  let i = start;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '\n') return undefined;
    if (c === '[') depth++;
    else if (c === ']' && --depth === 0) break;
  }
  if (i >= text.length || text[i + 1] !== '(') return undefined;
  const label = text.slice(start + 1, i);
  if (text[i + 2] === '<') {
    const close = text.indexOf('>)', i + 3);
    return close < 0 ? undefined : { text: label, target: text.slice(i + 3, close), end: close + 2 };
  }
  const close = text.indexOf(')', i + 2);
  return close < 0 ? undefined : { text: label, target: text.slice(i + 2, close).trim().split(/\s+/)[0] ?? '', end: close + 1 };
}

/**
 * Block-level Markdown as data: ATX headings, paragraphs, `>` quotes, `-`/`*`/`1.` lists,
 * fenced and indented code. Enough for the explanations; anything else stays as text.
 */
export function markdownBlocks(markdown: string, resolveLink?: LinkResolver): MarkdownBlock[] {
  const lines = (typeof markdown === 'string' ? markdown.slice(0, MAX_MARKDOWN) : '').split(/\r\n|\r|\n/);
  const spansOf = (text: string) => inlineSpans(text, resolveLink);
  const blocks: MarkdownBlock[] = [];
  let paragraph: string[] = [];
  let quote: string[] = [];
  let list: Span[][] | undefined;
  let depths: number[] = [];
  let indents: number[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', spans: spansOf(paragraph.join(' ')) });
    paragraph = [];
  };
  const endQuote = () => {
    if (quote.length > 0) blocks.push({ kind: 'quote', spans: spansOf(quote.join(' ')) });
    quote = [];
  };
  const endList = () => {
    if (list) blocks.push(depths.some((d) => d > 0) ? { kind: 'list', items: list, depths } : { kind: 'list', items: list });
    list = undefined;
    depths = [];
    indents = [];
  };
  const endAll = () => {
    endParagraph();
    endQuote();
    endList();
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*(```+|~~~+)/.exec(line);
    if (fence) {
      endAll();
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) code.push(lines[i++]);
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      endAll();
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      endAll();
      blocks.push({ kind: 'heading', level: heading[1].length, spans: spansOf(heading[2]) });
      continue;
    }
    const quoted = /^\s{0,3}>\s?(.*)$/.exec(line);
    if (quoted) {
      endParagraph();
      endList();
      quote.push(quoted[1].trim());
      continue;
    }
    const item = /^(\s*)(?:[-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line);
    if (item) {
      endParagraph();
      endQuote();
      // Nesting by indentation: deeper than the item above nests one level more.
      const indent = item[1].replace(/\t/g, '    ').length;
      while (indents.length > 0 && indents[indents.length - 1] > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1] < indent) indents.push(indent);
      (list ??= []).push(spansOf(item[2]));
      depths.push(Math.min(indents.length - 1, 5));
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last list item.
      const last = list[list.length - 1];
      last.push({ text: ' ' }, ...spansOf(line.trim()));
      continue;
    }
    if (/^( {4}|\t)/.test(line) && paragraph.length === 0 && quote.length === 0) {
      endList();
      const code = [line.replace(/^( {4}|\t)/, '')];
      while (i + 1 < lines.length && /^( {4}|\t)/.test(lines[i + 1])) code.push(lines[++i].replace(/^( {4}|\t)/, ''));
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    if (quote.length > 0) {
      // A lazy continuation of the quote.
      quote.push(line.trim());
      continue;
    }
    endList();
    paragraph.push(line.trim());
  }
  endAll();
  return blocks;
}

interface LinkTarget {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return decodeURIComponent(a) === decodeURIComponent(b);
  } catch {
    return false;
  }
}

/**
 * Resolves the Markdown link targets of an explanation (`file:///x.yaml#L12`) to indices into
 * `targets`, which starts as the explanation's own links: a target with the same document and
 * start line is that link; a target in a document the explanation or the grid already links to
 * is added at the end; anything else (another scheme, an unknown document) stays text.
 */
export function createLinkResolver<T extends LinkTarget>(links: readonly T[], knownUris: readonly string[]): { targets: LinkTarget[]; resolve: LinkResolver } {
  const targets: LinkTarget[] = [...links];
  const documents = [...links.map((l) => l.uri), ...knownUris];
  const resolve = (target: string): number | undefined => {
    if (typeof target !== 'string' || target.length > 4096) return undefined;
    const match = /^(.*)#L(\d{1,9})$/.exec(target);
    const uri = match ? match[1] : target;
    const line = match ? Number(match[2]) - 1 : undefined;
    const found = targets.findIndex((l) => sameUri(l.uri, uri) && (line === undefined || l.range.start.line === line));
    if (found >= 0) return found;
    const known = documents.find((d) => sameUri(d, uri));
    if (known === undefined || line === undefined) return undefined;
    targets.push({ uri: known, range: { start: { line, character: 0 }, end: { line, character: 0 } } });
    return targets.length - 1;
  };
  return { targets, resolve };
}

/** How a pod is named in the grid's headers: `namespace/name`, with the kind for workloads. */
export function podLabel(pod: { namespace: string; name: string; kind: string }): string {
  return pod.kind === 'Pod' ? `${pod.namespace}/${pod.name}` : `${pod.namespace}/${pod.name} (${pod.kind})`;
}
