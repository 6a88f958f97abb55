// One-fault NetworkPolicy documents for the oracle (oracle.test.mjs): each changes one value
// of a valid policy, mostly in the spellings where YAML 1.1 (what kubectl and the API server
// read) and YAML 1.2 part ways, at int32 and range limits, and in address and name forms.
// Each probe is { name, yaml }; the API server's dry run decides whether it is valid.

const policy = (spec, metadata = '  name: probe\n') =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n${metadata}spec:\n${spec}`;

const labelValue = (v) => policy(`  podSelector:\n    matchLabels:\n      app: ${v}\n`);
const labelKey = (k) => policy(`  podSelector:\n    matchLabels:\n      ${k}: web\n`);
const port = (v) => policy(`  podSelector: {}\n  ingress:\n  - ports:\n    - port: ${v}\n`);
const endPort = (v) => policy(`  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80\n      endPort: ${v}\n`);
const protocol = (v) => policy(`  podSelector: {}\n  ingress:\n  - ports:\n    - protocol: ${v}\n      port: 80\n`);
const cidr = (v) => policy(`  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n        cidr: ${v}\n`);
const except = (c, e) => policy(`  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n        cidr: ${c}\n        except: [${e}]\n`);
const policyTypes = (v) => policy(`  podSelector: {}\n  policyTypes: ${v}\n`);
const name = (v) => policy('  podSelector: {}\n', `  name: ${v}\n`);
const expression = (op, values) => policy(`  podSelector:\n    matchExpressions:\n    - key: app\n      operator: ${op}\n${values === undefined ? '' : `      values: ${values}\n`}`);

const entries = [
  // Label values: YAML 1.1 booleans, numbers in every base, null, timestamps.
  ...['true', 'True', 'yes', 'Yes', 'on', 'ON', 'off', 'y', 'Y', 'n', 'NO', 'no', '1', '-1', '1.5', '010', '0o10', '0x1F', '0b11', '1e3', '1_000', '.inf', '.nan',
    '~', 'null', '""', '2024-01-01', '12:30', '"yes"', "'on'", 'web', '0.1.2', '+1', '-', '1:2'].map((v) => [`label value ${v}`, labelValue(v)]),
  // Label keys that YAML 1.1 reads as something other than a string.
  ...['yes', 'on', 'true', '1', '1.5', '~', 'null', '"yes"', 'a/b', 'example.com/app'].map((k) => [`label key ${k}`, labelKey(k)]),
  // Ports: int32 limits, float and other integer spellings, names.
  ...['80', '0', '-1', '65535', '65536', '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967296', '80.0', '80.5', '8e1', '0x50', '0o120', '0120', '080', '+80',
    '1_0', '"80"', 'http', 'HTTP', 'h-t-t-p', 'http-', '"a"', '~', 'abcdefghijklmno', 'abcdefghijklmnop', 'yes', '.inf'].map((v) => [`port ${v}`, port(v)]),
  ...['80', '79', '65535', '65536', '90.0', '90.5', '"90"', '~', '0x5A', '4294967296'].map((v) => [`endPort ${v}`, endPort(v)]),
  ...['TCP', 'UDP', 'SCTP', 'tcp', 'Tcp', '"TCP"', 'ICMP', '~', '""', 'yes'].map((v) => [`protocol ${v}`, protocol(v)]),
  // CIDRs: canonical and not, host bits, leading zeros, IPv6 spellings, mapped addresses.
  ...['10.0.0.0/8', '10.0.0.1/8', '010.0.0.0/8', '10.0.0.0/08', '10.0.0.0/33', '10.0.0.0', '0.0.0.0/0', '10.0.0.0/32', '"10.0.0.0/8 "', '::/0', '2001:db8::/64', '2001:DB8::/64',
    '2001:db8::1/64', '2001:db8:0:0::/64', '"::ffff:10.0.0.0/104"', '"::ffff:10.0.0.0/8"', '2001:db8::/129', 'fe80::/10', '~', '""'].map((v) => [`cidr ${v}`, cidr(v)]),
  ...[['10.0.0.0/8', '10.1.0.0/16'], ['10.0.0.0/8', '10.0.0.0/8'], ['10.0.0.0/8', '10.1.0.1/16'], ['10.0.0.0/8', '11.0.0.0/16'], ['10.0.0.0/8', '010.1.0.0/16'],
    ['10.0.0.0/8', '"2001:db8::/64"'], ['2001:db8::/32', '"2001:db8:1::/48"'], ['2001:db8::/32', '"2001:DB8:1::/48"'], ['10.0.0.0/8', '10.0.0.0/9'], ['10.0.0.0/8', '""']]
    .map(([c, e]) => [`except ${e} of ${c}`, except(c, e)]),
  ...['[Ingress]', '[Egress, Ingress]', '[Ingress, Ingress]', '[]', '[ingress]', '[Ingress, Egress, Ingress]', '~', '[~]'].map((v) => [`policyTypes ${v}`, policyTypes(v)]),
  // Names: lengths around 253, dots, hyphens, digits, case.
  ...['a', '123', 'a.b', 'a..b', '-a', 'a-', '.a', 'a.', 'A', 'a_b', `${'a'.repeat(253)}`, `${'a'.repeat(254)}`, `${'a'.repeat(63)}.${'b'.repeat(63)}`, `${'a'.repeat(64)}`, '"1.2.3.4"', 'yes', '"a b"']
    .map((v) => [`name ${v.length > 40 ? `${v.slice(0, 8)}...(${v.length})` : v}`, name(v)]),
  // generateName: checked as a prefix, then the name made from it (prefix cut to 58
  // characters, five random ones added) is checked as a name.
  ...['a-', 'a.', 'a', '-', 'x_-', 'web_', 'A-', 'a..', `${'a'.repeat(58)}_`, `${'a'.repeat(57)}_`, `${'a'.repeat(300)}-`, `${'a'.repeat(252)}_-`]
    .map((v) => [`generateName ${v.length > 40 ? `${v.slice(0, 8)}...${v.slice(-3)}(${v.length})` : v}`, name(v).replace('  name: ', '  generateName: ')]),
  // Selector requirements.
  ...[['In', '[a]'], ['In', '[]'], ['In', undefined], ['NotIn', '[a, b]'], ['Exists', undefined], ['Exists', '[]'], ['Exists', '[a]'], ['DoesNotExist', undefined],
    ['in', '[a]'], ['Gt', '["1"]'], ['Lt', '["1"]'], ['In', '[yes]'], ['In', '["-a"]'], ['In', '[~]'], ['"In"', '[a]'], ['~', '[a]']]
    .map(([op, values]) => [`expression ${op} ${values ?? '(no values)'}`, expression(op, values)]),
];

export const probes = entries.map(([probeName, yaml]) => ({ name: probeName, yaml }));
