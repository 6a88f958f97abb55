import type { ClusterModel, Location } from '../model/types';
import type { SourceLink } from '../../protocol';

/** A model location as an LSP link (the model's file names are URIs in the server). */
export function linkOf(model: ClusterModel, location: Location | undefined): SourceLink | undefined {
  if (!location) return undefined;
  const file = model.files.get(location.file);
  if (!file) return undefined;
  return { uri: location.file, range: file.lines.range(location.span[0], location.span[1]) };
}

/** The link to a span of a model file. */
export function spanLink(model: ClusterModel, file: string, span: readonly [number, number] | undefined): SourceLink | undefined {
  return span ? linkOf(model, { file, span: [span[0], span[1]] }) : undefined;
}
