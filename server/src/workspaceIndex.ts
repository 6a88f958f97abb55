import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import type { WorkspaceFile } from './service/lint/context';
import type { ParsedFile } from './service/parse/parseFile';

export interface IndexLimits {
  maxFiles: number;
  maxFileSize: number;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.cache', 'dist', 'out', '.vscode-test']);

/**
 * The YAML files of the workspace folders, parsed, so that a policy is judged with the pods,
 * namespaces and other policies defined elsewhere. Open documents win over the files on disk.
 * Files with template markers (Helm charts) are skipped and counted.
 */
export class WorkspaceIndex {
  private readonly disk = new Map<string, ParsedFile>();
  private snapshot: WorkspaceFile[] | undefined;
  private openKey = '';
  skippedTemplates = 0;
  /** Files left out by exclude globs. */
  excluded = 0;
  scanning = false;

  constructor(
    private readonly parse: (text: string) => ParsedFile,
    private readonly log: (message: string) => void,
    private readonly onChange: () => void,
  ) {}

  /** Reads every YAML file under the folders, yielding to the event loop between files. */
  async scan(folders: readonly string[], limits: IndexLimits): Promise<void> {
    this.scanning = true;
    let count = 0;
    const started = Date.now();
    try {
      const queue = [...folders];
      while (queue.length > 0 && count < limits.maxFiles) {
        const dir = queue.shift()!;
        let entries: fs.Dirent[];
        try {
          entries = await fs.promises.readdir(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const entry of entries) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) {
            if (!SKIPPED_DIRECTORIES.has(entry.name)) queue.push(full);
          } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
            if (await this.readFile(full, limits)) count++;
            if (count >= limits.maxFiles) break;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }
    } finally {
      this.scanning = false;
    }
    this.log(`Indexed ${count} YAML files in ${Date.now() - started} ms${this.skippedTemplates > 0 ? ` (${this.skippedTemplates} template files skipped)` : ''}.`);
    this.changed();
  }

  private async readFile(file: string, limits: IndexLimits): Promise<boolean> {
    try {
      const stat = await fs.promises.stat(file);
      if (stat.size > limits.maxFileSize) return false;
      const text = await fs.promises.readFile(file, 'utf8');
      const uri = pathToFileURL(file).toString();
      if (isTemplate(file, text)) {
        this.skippedTemplates++;
        this.disk.delete(uri);
        return false;
      }
      this.disk.set(uri, this.parse(text));
      return true;
    } catch {
      return false;
    }
  }

  /** A file was created, changed or deleted on disk. */
  async fileChanged(uri: string, deleted: boolean, limits: IndexLimits): Promise<void> {
    if (deleted) {
      this.disk.delete(uri);
    } else {
      let file: string;
      try {
        file = fileURLToPath(uri);
      } catch {
        return;
      }
      await this.readFile(file, limits);
    }
    this.changed();
  }

  private changed(): void {
    this.snapshot = undefined;
    this.onChange();
  }

  /**
   * The workspace as the service sees it: every indexed file, with open documents in place of
   * their disk copies. The same array is returned until something changes, so analyses can be
   * cached on it.
   */
  files(open: ReadonlyMap<string, { version: number; parsed: ParsedFile }>): readonly WorkspaceFile[] {
    const key = [...open].map(([uri, entry]) => `${uri}@${entry.version}`).join('\n');
    if (this.snapshot && key === this.openKey) return this.snapshot;
    const files: WorkspaceFile[] = [];
    for (const [uri, parsed] of this.disk) if (!open.has(uri)) files.push({ uri, parsed });
    for (const [uri, entry] of open) files.push({ uri, parsed: entry.parsed });
    this.snapshot = files;
    this.openKey = key;
    return files;
  }

  /** The indexed copy of a file on disk. */
  fileFor(uri: string): ParsedFile | undefined {
    return this.disk.get(uri);
  }

  get size(): number {
    return this.disk.size;
  }
}

/** Helm and other templates are not YAML until rendered. */
export function isTemplate(file: string, text: string): boolean {
  if (/\{\{[\s\S]*?\}\}/.test(text)) return true;
  const parts = file.split(path.sep);
  const templates = parts.lastIndexOf('templates');
  if (templates > 0) {
    const chartRoot = parts.slice(0, templates).join(path.sep);
    try {
      if (fs.existsSync(path.join(chartRoot, 'Chart.yaml'))) return true;
    } catch {
      return false;
    }
  }
  return false;
}
