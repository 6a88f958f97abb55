import type { Manifest, ParsedDocument, ParsedFile } from './parseFile';
import type { YEntry, YNode } from './yamlView';

/** One step from a manifest's root to the node under the cursor. */
export type PathStep = { kind: 'key'; key: string; entry: YEntry } | { kind: 'index'; index: number };

export interface NodeAtOffset {
  document: ParsedDocument;
  manifest: Manifest;
  /** Steps from the manifest's root map to the innermost node containing the offset. */
  path: PathStep[];
  /** The innermost node containing the offset (the value at the end of `path`). */
  node: YNode | null;
  /** True when the offset is on the last step's key rather than its value. */
  onKey: boolean;
}

function contains(span: readonly [number, number], offset: number): boolean {
  return offset >= span[0] && offset <= span[1];
}

/**
 * Finds the manifest and the innermost node at an offset. An offset at the very end of a
 * token still counts as on it, as editors place the cursor after the last character.
 */
export function nodeAt(file: ParsedFile, offset: number): NodeAtOffset | undefined {
  const document = file.documents.find((d) => offset >= d.span[0] && offset <= d.span[1]);
  if (!document) return undefined;
  const manifest = document.manifests.find((m) => contains(m.node.span, offset));
  if (!manifest) return undefined;
  const path: PathStep[] = [];
  let node: YNode | null = manifest.node;
  let onKey = false;
  for (;;) {
    if (!node) break;
    if (node.kind === 'map') {
      const hit: YEntry | undefined = node.entries.find(
        (e) => !e.merged && (contains(e.keySpan, offset) || (e.value !== null && contains(e.value.aliasSpan ?? e.value.span, offset))),
      );
      if (!hit || hit.key === null) break;
      path.push({ kind: 'key', key: hit.key, entry: hit });
      if (contains(hit.keySpan, offset) && !(hit.value && contains(hit.value.span, offset) && hit.value.span[0] < hit.keySpan[1])) {
        onKey = true;
        node = hit.value;
        break;
      }
      if (hit.value?.aliasSpan) {
        node = hit.value;
        break;
      }
      node = hit.value;
      continue;
    }
    if (node.kind === 'seq') {
      const index: number = node.items.findIndex((item) => item !== null && !item.aliasSpan && contains(item.span, offset));
      if (index < 0) break;
      path.push({ kind: 'index', index });
      node = node.items[index];
      continue;
    }
    break;
  }
  return { document, manifest, path, node, onKey };
}

/** The path as the API writes it: `spec.ingress[0].from[1]`. */
export function fieldPathOf(path: readonly PathStep[]): string {
  let text = '';
  for (const step of path) {
    if (step.kind === 'key') text += text ? `.${step.key}` : step.key;
    else text += `[${step.index}]`;
  }
  return text;
}
