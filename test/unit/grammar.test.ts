import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

/**
 * The injection grammar, tokenized with vscode-textmate over a small YAML grammar written for
 * this test, and over VS Code's own YAML grammar when a copy is on this machine (set
 * NETPOL_YAML_SYNTAXES to its `extensions/yaml/syntaxes` folder, or have code-server's copy
 * under `.cache/`).
 */
const root = path.resolve(__dirname, '..', '..', '..');
const injectionPath = path.join(root, 'syntaxes', 'networkpolicy.injection.tmLanguage.json');
const injection = JSON.parse(fs.readFileSync(injectionPath, 'utf8')) as { scopeName: string; injectionSelector: string };

/** Just enough YAML for the test: comments, quoted and block scalars, keys, indicators, plain scalars. */
const testYaml = {
  scopeName: 'source.yaml',
  patterns: [
    { match: '(?:^|(?<=\\s))#.*$', name: 'comment.line.number-sign.yaml' },
    { begin: '"', end: '"', name: 'string.quoted.double.yaml' },
    { begin: "'", end: "'", name: 'string.quoted.single.yaml' },
    {
      begin: '^([\\t ]*)([^\\s#:][^#:]*)(:)[\\t ]+([|>][-+0-9]*)[\\t ]*$',
      beginCaptures: { 2: { name: 'entity.name.tag.yaml' }, 4: { name: 'keyword.control.flow.block-scalar.yaml' } },
      while: '^(?=\\1[\\t ]+\\S|[\\t ]*$)',
      contentName: 'string.unquoted.block.yaml',
    },
    { match: '(?:^|(?<=[\\s{,\\[]))((?:[^\\s#:\\[\\]{},\'"-]|-(?=\\S))[^#:,\\[\\]{}]*?)(?=[\\t ]*:(?:\\s|$))', captures: { 1: { name: 'entity.name.tag.yaml' } } },
    { match: '-(?=\\s|$)', name: 'punctuation.definition.block.sequence.item.yaml' },
    { match: ':(?=\\s|$)', name: 'punctuation.separator.key-value.yaml' },
    { match: '[{}\\[\\],]', name: 'punctuation.definition.collection.yaml' },
    { match: '[^\\s#:,\\[\\]{}][^#,\\[\\]{}]*?(?=[\\t ]*(?:$|#|[,\\]}]))', name: 'string.unquoted.plain.yaml' },
  ],
};

const sample = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  annotations:
    note: "from: here"  # ingress: not a key
    text: |
      podSelector: inside a block scalar
      - Ingress
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions:
              - {key: tier, operator: NotIn, values: [db]}
              - key: app
                operator: Exists
        - ipBlock:
            cidr: 10.0.0.0/8
            except:
              - 10.0.1.0/24
      ports:
        - protocol: UDP
          port: 53
          endPort: 60
  egress:
  - to: []
    ports:
    - protocol:  SCTP
  policyTypes:
  - Ingress
  - Egress
  fromage: Ingressive
  tos: TCP
`;

const KEY = 'support.type.property-name.networkpolicy';
const POLICY_TYPE = 'constant.language.policy-type.networkpolicy';
const PROTOCOL = 'constant.language.protocol.networkpolicy';
const OPERATOR = 'keyword.operator.word.selector.networkpolicy';

/** [line (0-based), token text, scope]: each must be one token carrying the scope. */
const marked: [number, string, string][] = [
  [10, 'podSelector', KEY],
  [10, 'matchLabels', KEY],
  [11, 'policyTypes', KEY],
  [11, 'Ingress', POLICY_TYPE],
  [11, 'Egress', POLICY_TYPE],
  [12, 'ingress', KEY],
  [13, 'from', KEY],
  [14, 'namespaceSelector', KEY],
  [15, 'podSelector', KEY],
  [16, 'matchExpressions', KEY],
  [17, 'NotIn', OPERATOR],
  [19, 'Exists', OPERATOR],
  [20, 'ipBlock', KEY],
  [21, 'cidr', KEY],
  [22, 'except', KEY],
  [24, 'ports', KEY],
  [25, 'UDP', PROTOCOL],
  [27, 'endPort', KEY],
  [28, 'egress', KEY],
  [29, 'to', KEY],
  [30, 'ports', KEY],
  [31, 'SCTP', PROTOCOL],
  [32, 'policyTypes', KEY],
  [33, 'Ingress', POLICY_TYPE],
  [34, 'Egress', POLICY_TYPE],
];

/** Lines on which nothing may carry a NetworkPolicy scope. */
const unmarkedLines = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 26, 35, 36];

interface Token {
  start: number;
  text: string;
  scopes: string[];
}

async function loadOniguruma(): Promise<textmate.IOnigLib> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  return {
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  };
}

let onigLib: Promise<textmate.IOnigLib> | undefined;

/** Tokenizes the sample with a YAML grammar (a map of scope name to file or grammar object), with or without the injection. */
async function tokenize(grammars: Record<string, string | object>, withInjection: boolean): Promise<Token[][]> {
  onigLib ??= loadOniguruma();
  const registry = new textmate.Registry({
    onigLib,
    loadGrammar: async (scopeName) => {
      if (withInjection && scopeName === injection.scopeName) return textmate.parseRawGrammar(fs.readFileSync(injectionPath, 'utf8'), injectionPath);
      const source = grammars[scopeName];
      if (source === undefined) return null;
      if (typeof source === 'string') return textmate.parseRawGrammar(fs.readFileSync(source, 'utf8'), source);
      return textmate.parseRawGrammar(JSON.stringify(source), `${scopeName}.json`);
    },
    getInjections: (scopeName) => (withInjection && scopeName === 'source.yaml' ? [injection.scopeName] : undefined),
  });
  const grammar = await registry.loadGrammar('source.yaml');
  assert.ok(grammar, 'the YAML grammar loads');
  let state = textmate.INITIAL;
  return sample.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ start: t.startIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

function checkMarks(lines: Token[][]): void {
  for (const [line, text, scope] of marked) {
    const token = lines[line].find((t) => t.text === text && t.scopes.includes(scope));
    assert.ok(token, `line ${line + 1}: no token ${JSON.stringify(text)} with ${scope}; got ${renderTokens(lines[line])}`);
  }
  for (const line of unmarkedLines) {
    const token = lines[line].find((t) => t.scopes.some((s) => s.endsWith('.networkpolicy')));
    assert.strictEqual(token, undefined, `line ${line + 1}: ${JSON.stringify(token?.text)} is marked: ${renderTokens(lines[line])}`);
  }
  const markedCount = lines.flat().filter((t) => t.scopes.some((s) => s.endsWith('.networkpolicy'))).length;
  assert.strictEqual(markedCount, marked.length, 'only the expected tokens are marked');
}

function renderTokens(tokens: Token[]): string {
  return tokens.map((t) => `${JSON.stringify(t.text)}=${t.scopes[t.scopes.length - 1]}`).join(' ');
}

/** VS Code's YAML grammar files, when a copy is on this machine. */
function vscodeYamlSyntaxes(): string | undefined {
  const candidates: string[] = [];
  if (process.env.NETPOL_YAML_SYNTAXES) candidates.push(process.env.NETPOL_YAML_SYNTAXES);
  const cache = path.join(root, '.cache', 'code-server');
  if (fs.existsSync(cache)) {
    for (const version of fs.readdirSync(cache).sort().reverse()) {
      candidates.push(path.join(cache, version, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'yaml', 'syntaxes'));
    }
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'yaml.tmLanguage.json')));
}

describe('injection grammar (syntaxes/networkpolicy.injection.tmLanguage.json)', () => {
  it('is injected into YAML, left of its rules, outside comments and strings', () => {
    assert.strictEqual(injection.injectionSelector.split(/\s+/)[0], 'L:source.yaml');
    assert.match(injection.injectionSelector, /-comment\b/);
    assert.match(injection.injectionSelector, /-string\b/);
  });

  it('marks NetworkPolicy keys and values over a small YAML grammar', async () => {
    checkMarks(await tokenize({ 'source.yaml': testYaml }, true));
  });

  it('marks the same tokens over VS Code\'s YAML grammar and leaves the others as they were', async function () {
    const dir = vscodeYamlSyntaxes();
    if (!dir) this.skip();
    const grammars: Record<string, string> = {};
    for (const name of fs.readdirSync(dir!)) {
      const file = path.join(dir!, name);
      const scopeName = (JSON.parse(fs.readFileSync(file, 'utf8')) as { scopeName?: string }).scopeName;
      if (scopeName) grammars[scopeName] = file;
    }
    const injected = await tokenize(grammars, true);
    checkMarks(injected);
    const plain = await tokenize(grammars, false);
    injected.forEach((tokens, line) => {
      for (const token of tokens) {
        if (token.text === '' || token.scopes.some((s) => s.endsWith('.networkpolicy'))) continue;
        const before = plain[line].find((t) => t.start === token.start);
        // Inside a flow mapping the base grammar's implicit-pair scope starts at the key, which the injection takes.
        const scopes = (t: Token) => t.scopes.filter((s) => s !== 'meta.flow.map.implicit.yaml');
        assert.deepStrictEqual(before && [before.text, scopes(before)], [token.text, scopes(token)], `line ${line + 1}, column ${token.start}`);
      }
    });
  });
});
