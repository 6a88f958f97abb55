import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  contentSecurityPolicy,
  createLinkResolver,
  createNonce,
  inlineSpans,
  markdownBlocks,
  MAX_NAMESPACES,
  parseWebviewMessage,
  renderReachabilityHtml,
} from '../../client/src/reachabilityHtml';

/**
 * The reachability view's page and message checks (client/src/reachabilityHtml.ts), without
 * the editor: the Content Security Policy, the nonce on every script, the validator of the
 * messages the page sends, and the Markdown subset the explanations are shown with.
 */

const repo = path.resolve(__dirname, '../../..');
const CSP_SOURCE = 'https://abc123.vscode-cdn.net';

function page(nonce = createNonce()) {
  return {
    nonce,
    html: renderReachabilityHtml({
      nonce,
      cspSource: CSP_SOURCE,
      scriptUri: `${CSP_SOURCE}/ext/media/reachability/reachability.js`,
      styleUri: `${CSP_SOURCE}/ext/media/reachability/reachability.css`,
    }),
  };
}

function cspOf(html: string): string {
  const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
  assert.ok(match, 'the page has a CSP meta tag');
  return match[1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function directives(csp: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

const bounds = { pods: 3, links: 2 };

describe('reachability view: the page (renderReachabilityHtml)', () => {
  it('has a strict CSP with the nonce and no unsafe or remote sources', () => {
    const { nonce, html } = page();
    const csp = cspOf(html);
    assert.equal(csp, contentSecurityPolicy(nonce, CSP_SOURCE));
    const d = directives(csp);
    assert.deepEqual(d.get('default-src'), ["'none'"]);
    assert.deepEqual(d.get('style-src'), [CSP_SOURCE]);
    assert.deepEqual(d.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(d.get('img-src'), [CSP_SOURCE]);
    assert.deepEqual([...d.keys()].sort(), ['default-src', 'img-src', 'script-src', 'style-src']);
    assert.ok(!/unsafe-inline|unsafe-eval|unsafe-hashes|\*|data:|blob:|http:|https:\/\/(?!abc123\.vscode-cdn\.net)/.test(csp), csp);
    // The meta tag comes before anything that loads.
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'));
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'));
  });

  it('puts the nonce on every script tag, loads only local resources, and has no inline code or styles', () => {
    const { nonce, html } = page();
    const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
    assert.ok(scripts.length >= 1);
    for (const tag of scripts) {
      assert.ok(tag.includes(`nonce="${nonce}"`), tag);
      assert.match(tag, /src="https:\/\/abc123\.vscode-cdn\.net\//, tag);
    }
    assert.ok(!/<script\b[^>]*>[^<\s]/i.test(html), 'no inline script bodies');
    assert.ok(!/<style\b/i.test(html), 'no <style> element');
    assert.ok(!/\sstyle\s*=/i.test(html), 'no style attributes');
    assert.ok(!/\son[a-z]+\s*=/i.test(html), 'no inline event handlers');
    for (const url of html.match(/\b(?:src|href)="([^"]*)"/g) ?? []) assert.match(url, /"https:\/\/abc123\.vscode-cdn\.net\//, url);
  });

  it('accepts the cspSource VS Code gives (several source expressions) and nothing looser', () => {
    const cspSource = "'self' https://*.vscode-cdn.net";
    const nonce = createNonce();
    const html = renderReachabilityHtml({ nonce, cspSource, scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/x.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/x.css' });
    const d = directives(cspOf(html));
    assert.deepEqual(d.get('style-src'), ["'self'", 'https://*.vscode-cdn.net']);
    assert.deepEqual(d.get('img-src'), ["'self'", 'https://*.vscode-cdn.net']);
    assert.deepEqual(d.get('script-src'), [`'nonce-${nonce}'`]);
  });

  it('uses a fresh nonce per page and escapes what it is given', () => {
    assert.notEqual(createNonce(), createNonce());
    assert.match(createNonce(), /^[0-9a-f]{32}$/);
    const html = renderReachabilityHtml({ nonce: createNonce(), cspSource: CSP_SOURCE, scriptUri: `${CSP_SOURCE}/a.js?x="><script>alert(1)</script>`, styleUri: `${CSP_SOURCE}/a.css` });
    assert.ok(!html.includes('<script>alert(1)'), 'a URI cannot close its attribute');
    assert.throws(() => renderReachabilityHtml({ nonce: 'short', cspSource: CSP_SOURCE, scriptUri: 'x', styleUri: 'y' }));
    assert.throws(() => renderReachabilityHtml({ nonce: createNonce(), cspSource: `${CSP_SOURCE}; script-src *`, scriptUri: 'x', styleUri: 'y' }));
    for (const bad of ['', '*', "'unsafe-inline'", `${CSP_SOURCE} 'unsafe-eval'`, 'https:', 'data:', `${CSP_SOURCE}, *`]) {
      assert.throws(() => renderReachabilityHtml({ nonce: createNonce(), cspSource: bad, scriptUri: 'x', styleUri: 'y' }), bad);
    }
    assert.throws(() => renderReachabilityHtml({ nonce: `${createNonce()}" onload="x`, cspSource: CSP_SOURCE, scriptUri: 'x', styleUri: 'y' }));
  });

  it('has the controls, the legend with both glyphs, and the grid the script fills', () => {
    const { html } = page();
    for (const id of ['namespace-list', 'port', 'protocol', 'grid', 'status', 'explanation']) assert.ok(html.includes(`id="${id}"`), id);
    assert.ok(html.includes('<option value="TCP">TCP</option>') && html.includes('<option value="UDP">') && html.includes('<option value="SCTP">'));
    assert.match(html, /\u2713<\/span> allowed/);
    assert.match(html, /\u2717<\/span> denied/);
  });

  it('ships media files that use only theme colours and no remote resources', () => {
    const css = fs.readFileSync(path.join(repo, 'media/reachability/reachability.css'), 'utf8');
    const js = fs.readFileSync(path.join(repo, 'media/reachability/reachability.js'), 'utf8');
    const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
    assert.ok(!/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/i.test(withoutComments), 'no literal colours: theme variables only');
    assert.ok(!/url\(|@import/i.test(withoutComments), 'no external stylesheet resources');
    assert.match(withoutComments, /var\(--vscode-editor-foreground\)/);
    assert.ok(!/https?:\/\//.test(js), 'the script loads nothing remote');
    assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/.test(js), 'the script builds DOM nodes, never HTML strings');
  });

  it('keeps the vscode module out of the pure module', () => {
    const source = fs.readFileSync(path.join(repo, 'client/src/reachabilityHtml.ts'), 'utf8');
    assert.ok(!/from 'vscode'|require\('vscode'\)/.test(source));
  });
});

describe('reachability view: messages from the page (parseWebviewMessage)', () => {
  it('accepts the well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }, bounds), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'query', namespaces: ['a', 'b', 'a'], port: 8080, protocol: 'UDP' }, bounds), {
      type: 'query',
      namespaces: ['a', 'b'],
      port: 8080,
      protocol: 'UDP',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'query', namespaces: [], port: 1, protocol: 'SCTP' }, bounds)?.type, 'query');
    assert.deepEqual(parseWebviewMessage({ type: 'query', namespaces: [], port: 65535, protocol: 'TCP' }, bounds)?.type, 'query');
    assert.deepEqual(parseWebviewMessage({ type: 'explain', from: 0, to: 2 }, bounds), { type: 'explain', from: 0, to: 2 });
    assert.deepEqual(parseWebviewMessage({ type: 'reveal', link: 1 }, bounds), { type: 'reveal', link: 1 });
    assert.deepEqual(parseWebviewMessage({ type: 'revealPod', pod: 2 }, bounds), { type: 'revealPod', pod: 2 });
    assert.deepEqual(parseWebviewMessage(Object.assign(Object.create(null), { type: 'ready' }), bounds), { type: 'ready' });
  });

  it('rejects values that are not messages', () => {
    for (const raw of [undefined, null, 0, 'ready', true, [], [{ type: 'ready' }], () => 0, new Date(), new Map([['type', 'ready']])]) {
      assert.equal(parseWebviewMessage(raw, bounds), undefined, String(raw));
    }
  });

  it('rejects unknown types and wrong field types', () => {
    const bad: unknown[] = [
      {},
      { type: 'unknown' },
      { type: 'READY' },
      { type: 'toString' },
      { type: 'hasOwnProperty' },
      { type: 1 },
      { type: ['ready'] },
      { type: 'query', namespaces: 'a', port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: [1], port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: [null], port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: [''], port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: ['a\u0000b'], port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: ['x'.repeat(254)], port: 80, protocol: 'TCP' },
      { type: 'query', namespaces: [], port: '80', protocol: 'TCP' },
      { type: 'query', namespaces: [], port: 80, protocol: 'tcp' },
      { type: 'query', namespaces: [], port: 80, protocol: 'ICMP' },
      { type: 'query', namespaces: [], port: 80, protocol: ['TCP'] },
      { type: 'query', namespaces: [], port: 80 },
      { type: 'query', port: 80, protocol: 'TCP' },
      { type: 'explain', from: '0', to: 1 },
      { type: 'explain', from: 0 },
      { type: 'explain', from: 0, to: true },
      { type: 'reveal', link: '0' },
      { type: 'revealPod', pod: null },
    ];
    for (const raw of bad) assert.equal(parseWebviewMessage(raw, bounds), undefined, JSON.stringify(raw));
  });

  it('rejects out-of-range ports', () => {
    for (const port of [0, -1, 65536, 1e9, 80.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2]) {
      assert.equal(parseWebviewMessage({ type: 'query', namespaces: [], port, protocol: 'TCP' }, bounds), undefined, String(port));
    }
  });

  it('rejects indices outside the grid and the explanation', () => {
    const bad: unknown[] = [
      { type: 'explain', from: 3, to: 0 },
      { type: 'explain', from: 0, to: 3 },
      { type: 'explain', from: -1, to: 0 },
      { type: 'explain', from: 0.5, to: 0 },
      { type: 'explain', from: NaN, to: 0 },
      { type: 'reveal', link: 2 },
      { type: 'reveal', link: -1 },
      { type: 'revealPod', pod: 3 },
      { type: 'revealPod', pod: 1.5 },
    ];
    for (const raw of bad) assert.equal(parseWebviewMessage(raw, bounds), undefined, JSON.stringify(raw));
    assert.equal(parseWebviewMessage({ type: 'explain', from: 0, to: 0 }, { pods: 0, links: 0 }), undefined, 'no grid yet');
    assert.equal(parseWebviewMessage({ type: 'reveal', link: 0 }, { pods: 3, links: 0 }), undefined, 'no explanation shown');
  });

  it('rejects huge arrays', () => {
    const huge = Array.from({ length: MAX_NAMESPACES + 1 }, (_, i) => `ns${i}`);
    assert.equal(parseWebviewMessage({ type: 'query', namespaces: huge, port: 80, protocol: 'TCP' }, bounds), undefined);
    assert.equal(parseWebviewMessage({ type: 'query', namespaces: huge.slice(0, MAX_NAMESPACES), port: 80, protocol: 'TCP' }, bounds)?.type, 'query');
    const sparse: string[] = [];
    sparse[1_000_000] = 'a';
    assert.equal(parseWebviewMessage({ type: 'query', namespaces: sparse, port: 80, protocol: 'TCP' }, bounds), undefined);
    // eslint-disable-next-line no-sparse-arrays
    assert.equal(parseWebviewMessage({ type: 'query', namespaces: [, 'a'], port: 80, protocol: 'TCP' }, bounds), undefined, 'a hole is not a name');
  });

  it('rejects prototype-pollution keys and any extra field', () => {
    const bad: unknown[] = [
      JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
      JSON.parse('{"type":"query","namespaces":[],"port":80,"protocol":"TCP","__proto__":{"isAdmin":true}}'),
      JSON.parse('{"type":"explain","from":0,"to":1,"constructor":{"prototype":{"x":1}}}'),
      JSON.parse('{"type":"ready","prototype":{}}'),
      { type: 'ready', extra: 1 },
      { type: 'explain', from: 0, to: 1, uri: 'file:///etc/passwd' },
      { type: 'reveal', link: 0, uri: 'command:workbench.action.terminal.new' },
      Object.assign(Object.create({ inherited: true }), { type: 'ready' }),
      Object.assign({ type: 'ready' }, { [Symbol('s')]: 1 }),
    ];
    for (const raw of bad) assert.equal(parseWebviewMessage(raw, bounds), undefined, JSON.stringify(raw));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('returns a copy of the namespaces, never the page’s array', () => {
    const list = ['a'];
    const ok = parseWebviewMessage({ type: 'query', namespaces: list, port: 80, protocol: 'TCP' }, bounds);
    assert.ok(ok?.type === 'query' && ok.namespaces !== list && ok.namespaces[0] === 'a');
  });
});

describe('reachability view: explanations as a Markdown subset (markdownBlocks)', () => {
  it('reads headings, paragraphs, quotes, lists, code and inline marks', () => {
    const blocks = markdownBlocks(
      '# Denied\n\nThe **ingress** side of `shop/db`:\n\n> **Not enforced.** The plugin\nis flannel.\n\n- policy [default-deny](file:///x.yaml#L3) isolates it\n- no rule admits `TCP 5432`\n  from web\n\n## Fix\n\n```yaml\nkubectl get netpol\n```',
    );
    assert.deepEqual(blocks, [
      { kind: 'heading', level: 1, spans: [{ text: 'Denied' }] },
      { kind: 'paragraph', spans: [{ text: 'The ' }, { text: 'ingress', bold: true }, { text: ' side of ' }, { text: 'shop/db', code: true }, { text: ':' }] },
      { kind: 'quote', spans: [{ text: 'Not enforced.', bold: true }, { text: ' The plugin is flannel.' }] },
      {
        kind: 'list',
        items: [
          [{ text: 'policy default-deny isolates it' }],
          [{ text: 'no rule admits ' }, { text: 'TCP 5432', code: true }, { text: ' ' }, { text: 'from web' }],
        ],
      },
      { kind: 'heading', level: 2, spans: [{ text: 'Fix' }] },
      { kind: 'code', text: 'kubectl get netpol' },
    ]);
  });

  it('keeps the nesting of list items', () => {
    assert.deepEqual(markdownBlocks('- a\n  - b\n    - c\n  - d\n- e'), [
      { kind: 'list', items: [[{ text: 'a' }], [{ text: 'b' }], [{ text: 'c' }], [{ text: 'd' }], [{ text: 'e' }]], depths: [0, 1, 2, 1, 0] },
    ]);
  });

  it('keeps markup as text and drops link targets', () => {
    const blocks = markdownBlocks('<img src=x onerror=alert(1)> **<script>alert(1)</script>** [x](javascript:alert(1))');
    const text = JSON.stringify(blocks);
    assert.ok(text.includes('<img src=x onerror=alert(1)>'), 'kept as text, shown with textContent');
    assert.ok(!text.includes('javascript:'), 'link targets are dropped');
    assert.deepEqual(inlineSpans('a \\*b\\* `c`'), [{ text: 'a *b* ' }, { text: 'c', code: true }]);
    assert.deepEqual(inlineSpans('[shop/allow\\_dns](<file:///a b.yaml#L3>) ok'), [{ text: 'shop/allow_dns ok' }]);
    assert.deepEqual(markdownBlocks(42 as unknown as string), []);
  });

  it('turns links to known documents into link indices, and nothing else', () => {
    const links = [
      { uri: 'file:///ws/a.yaml', range: { start: { line: 2, character: 0 }, end: { line: 2, character: 5 } } },
      { uri: 'file:///ws/b%20c.yaml', range: { start: { line: 9, character: 2 }, end: { line: 12, character: 0 } } },
    ];
    const { targets, resolve } = createLinkResolver(links, ['file:///ws/pods.yaml']);
    assert.equal(resolve('file:///ws/a.yaml#L3'), 0, 'same document and line');
    assert.equal(resolve('file:///ws/b c.yaml#L10'), 1, 'the same URI, encoded differently');
    assert.equal(resolve('file:///ws/pods.yaml#L7'), 2, 'another line of a known document is added');
    assert.deepEqual(targets[2], { uri: 'file:///ws/pods.yaml', range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } } });
    assert.equal(resolve('file:///ws/pods.yaml#L7'), 2, 'added once');
    assert.equal(resolve('file:///etc/passwd#L1'), undefined);
    assert.equal(resolve('command:workbench.action.terminal.new'), undefined);
    assert.equal(resolve('https://example.com/#L1'), undefined);
    assert.equal(targets.length, 3);

    const spans = markdownBlocks('- [shop/db: isolates ingress](<file:///ws/a.yaml#L3>): **[rule 1](file:///ws/pods.yaml#L7)** and [elsewhere](https://example.com)', resolve);
    assert.deepEqual(spans, [
      {
        kind: 'list',
        items: [
          [
            { text: 'shop/db: isolates ingress', link: 0 },
            { text: ': ' },
            { text: 'rule 1', bold: true, link: 2 },
            { text: ' and elsewhere' },
          ],
        ],
      },
    ]);
  });
});
