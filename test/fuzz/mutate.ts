/**
 * Seeded mutations of valid manifests, shaped like what people type and paste: deleted and
 * inserted characters, swapped and re-indented lines, astral and right-to-left characters,
 * huge numbers, deep nesting, and truncation.
 */
export type Random = () => number;

export function seeded(seed: number): Random {
  // mulberry32: small, fast and good enough to spread cases.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, max: number) => Math.floor(random() * max);

const fragments = [
  ':', '- ', '-', '{', '}', '[', ']', ',', '"', "'", '#', '&a ', '*a', '<<: *a', '!!str ', '|', '>', '\t', '\n', '\r\n', '\r',
  '---\n', '...\n', '? ', '%YAML 1.1\n', ' ', '  ', 'podSelector: {}', 'from:', 'to:', 'ports:', 'port: 53', 'endPort: 1',
  'protocol: UDP', 'ipBlock:', 'cidr: 10.0.0.0/8', 'except: [10.1.0.0/16]', 'namespaceSelector:', 'matchLabels:', 'matchExpressions:',
  '- {key: a, operator: In, values: [b]}', 'policyTypes: [Ingress, Egress]', 'null', '~', 'yes', '0x1F', '1e400',
];

const unicode = ['😀', '𝔘', '\u200f', '\u202e', '\u0000', '\ufeff', 'é', '\u2028', '\uffff', '\ud800', '\udc00', '中文', '🏳️‍🌈'];

export function mutate(text: string, random: Random): string {
  let out = text;
  const steps = 1 + int(random, 4);
  for (let s = 0; s < steps; s++) {
    const at = int(random, out.length + 1);
    switch (int(random, 11)) {
      case 0: // delete a few characters
        out = out.slice(0, at) + out.slice(at + 1 + int(random, 8));
        break;
      case 1: // insert a YAML-ish fragment
        out = out.slice(0, at) + pick(random, fragments) + out.slice(at);
        break;
      case 2: {
        // swap two lines
        const lines = out.split('\n');
        const i = int(random, lines.length);
        const j = int(random, lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        out = lines.join('\n');
        break;
      }
      case 3: {
        // re-indent a line
        const lines = out.split('\n');
        const i = int(random, lines.length);
        lines[i] = random() < 0.5 ? lines[i].replace(/^ {1,2}/, '') : ' '.repeat(1 + int(random, 3)) + lines[i];
        out = lines.join('\n');
        break;
      }
      case 4: // unicode, including lone surrogates and direction marks
        out = out.slice(0, at) + pick(random, unicode) + out.slice(at);
        break;
      case 5: // huge or odd numbers in place of a number
        out = out.replace(/\b\d+\b/, pick(random, ['99999999999999999999', '-1', '0', '1.5', '65536', '2147483648', '0o17', '.inf', 'NaN']));
        break;
      case 6: {
        // deep nesting
        const depth = 10 + int(random, 300);
        const nest = random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : Array.from({ length: Math.min(depth, 60) }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n');
        out = out.slice(0, at) + nest + out.slice(at);
        break;
      }
      case 7: // truncate
        out = out.slice(0, at);
        break;
      case 8: // duplicate a region
        out = out.slice(0, at) + out.slice(int(random, out.length), at) + out.slice(at);
        break;
      case 9: // tabs for indentation
        out = out.replace(/\n {2}/, '\n\t');
        break;
      default: // line ends
        out = random() < 0.5 ? out.replace(/\n/g, '\r\n') : out.replace(/\n/, '\r');
        break;
    }
  }
  return out;
}
