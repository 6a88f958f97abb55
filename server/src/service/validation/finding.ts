import type { Span, YNode } from '../parse/yamlView';
import type { Rule } from '../rules';

/** A problem found by the service, before severities and positions are applied. */
export interface Finding {
  rule: Rule;
  span: Span;
  message: string;
  /** The API field path (`spec.ingress[0].ports[0].endPort`), where the finding concerns a field. */
  field?: string;
  /** Extra facts for code actions (keyed by the rule's code, never by the message). */
  data?: Record<string, unknown>;
}

/** A field path in the API server's notation. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * The span to underline for a node: the whole node when it is on one line, else its first
 * line, so that a problem with a large block does not paint the rest of the document.
 */
export function headSpan(node: YNode, text: string): Span {
  const [start, end] = node.aliasSpan ?? node.span;
  const newline = text.indexOf('\n', start);
  let stop = newline >= 0 && newline < end ? newline : end;
  while (stop > start && /\s/.test(text[stop - 1])) stop--;
  return [start, Math.max(start, stop)];
}
