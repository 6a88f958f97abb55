/**
 * Credentials never leave the cluster layer: every log line, state message and error text
 * passes through `redact` first. It removes the secrets we know (the tokens, passwords and
 * keys of the loaded kubeconfig, whatever an exec plugin returned) and anything shaped like a
 * credential (bearer and basic authorization values, JWTs, PEM private keys, `token=...`,
 * passwords in URLs).
 */
const known = new Set<string>();

/** The shortest secret we replace verbatim: shorter strings would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

export const REDACTED = '[redacted]';

/** Registers a secret (and its base64 forms and decoded form) so that `redact` removes it. */
export function registerSecret(value: unknown): void {
  if (value === undefined || value === null) return;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Buffer.isBuffer(value)) text = value.toString('utf8');
  else return;
  text = text.trim();
  if (text.length < MIN_SECRET_LENGTH) return;
  addForms(text);
  // kubeconfig `*-data` fields are base64: the decoded form is the secret as used.
  if (/^[A-Za-z0-9+/=\s]+$/.test(text) && text.replace(/\s/g, '').length % 4 === 0) {
    const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
    if (decoded.length >= MIN_SECRET_LENGTH && /^[\x20-\x7e\r\n\t]+$/.test(decoded)) addForms(decoded);
  }
}

function addForms(text: string): void {
  known.add(text);
  known.add(Buffer.from(text, 'utf8').toString('base64'));
  // A PEM block is also printed line by line (a private key's body lines are each a secret).
  if (text.includes('-----BEGIN')) {
    for (const line of text.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith('-----')) known.add(line.trim());
  }
}

/** Forgets the registered secrets (for tests). */
export function clearSecrets(): void {
  known.clear();
}

const patterns: [RegExp, string][] = [
  // PEM private keys, whole.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, `${REDACTED} private key`],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  [/(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${REDACTED}`],
  // JSON Web Tokens (service account tokens, OIDC id-tokens).
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // key: value and key=value forms of credential fields.
  [
    /\b(token|id-token|refresh-token|access-token|access_token|id_token|refresh_token|password|passwd|secret|client-secret|client_secret|client-key-data|client-key|client-certificate-data|passphrase)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"',}&]+/gi,
    `$1$2${REDACTED}`,
  ],
  // user:password@ in URLs.
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`],
];

/** The text with every known secret and every credential-shaped value replaced. */
export function redact(text: string): string {
  let out = String(text);
  // Longest first, so that a secret containing another is removed whole.
  const secrets = [...known].sort((a, b) => b.length - a.length);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

/** A logger that redacts every line before handing it on. */
export function redactingLogger(log: (message: string) => void): (message: string) => void {
  return (message: string) => log(redact(message));
}

/** An error's message (never its stack or request options, which may carry headers), redacted. */
export function describeClusterError(error: unknown): string {
  if (error instanceof Error) return redact(error.message);
  return redact(String(error));
}
