import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import type { Connection } from 'vscode-languageserver';
import { WorkDoneProgress, WorkDoneProgressCreateRequest } from 'vscode-languageserver';
import { PathFilter } from './glob';
import type { WorkspaceFile } from './service/lint/context';
import type { ParsedFile } from './service/parse/parseFile';

export interface IndexOptions {
  maxFiles: number;
  maxFileSize: number;
  /** `netpol.exclude`: globs relative to each workspace folder. */
  exclude: readonly string[];
  /**
   * `files.exclude` (its enabled patterns) per workspace folder path; the entry under `''`
   * applies to folders without their own.
   */
  filesExclude: Readonly<Record<string, readonly string[]>>;
}

export const defaultIndexOptions: IndexOptions = { maxFiles: 5000, maxFileSize: 5 * 1024 * 1024, exclude: [], filesExclude: {} };

/** A file or folder that changed on disk, as didChangeWatchedFiles reports it. */
export interface FileEvent {
  uri: string;
  kind: 'created' | 'changed' | 'deleted';
}

/** A long scan's progress, shown by the editor. */
export interface ScanProgress {
  report(message: string, percentage?: number): void;
  done(message: string): void;
}

export interface IndexHost {
  /** Parses a file; with `previous` (the same file's last parse), unchanged documents are reused. */
  parse(text: string, previous?: ParsedFile): ParsedFile;
  log(message: string): void;
  /** Something the index holds changed: the files named, or everything after a scan. */
  onChange(uris: readonly string[] | 'all'): void;
  /** Called once a scan has run for `progressDelayMs`; the editor's progress indicator, if it has one. */
  createProgress?(): Promise<ScanProgress | undefined>;
  progressDelayMs?: number;
}

/**
 * Folders never indexed, whatever the settings say. Build folders (`dist`, `out`) are not
 * among them: rendered manifests often live there; `files.exclude` and `netpol.exclude` can
 * leave them out.
 */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);
const YAML_FILE = /\.ya?ml$/i;
/** How many files are read ahead of the parser. */
const READ_AHEAD = 8;
/** The scan gives the event loop a turn at least this often (ms), so requests are answered while it runs. */
const SLICE_MS = 8;
/** How many directory entries counting the files of an excluded folder may visit. */
const EXCLUDED_COUNT_BUDGET = 20000;

type ReadResult = { kind: 'text'; text: string } | { kind: 'too-large' } | { kind: 'unreadable' };

interface Candidate {
  file: string;
  uri: string;
}

interface ScanRequest {
  key: string;
  folders: string[];
  options: IndexOptions;
}

/**
 * The YAML files of the workspace folders, parsed, so that a policy is judged with the pods,
 * namespaces and other policies defined elsewhere. Open documents win over the files on disk
 * (see `files`). Files with template markers (Helm charts) are skipped and counted; files
 * and folders matched by `files.exclude` or `netpol.exclude` are left out and counted.
 *
 * A scan walks the folders first, then reads a few files ahead while it parses, giving the
 * event loop a turn every few milliseconds. It builds a new map and swaps it in at the end,
 * reusing the parse of every file whose text did not change; a scan asked for while one runs
 * stops it and runs once more. File events are applied one batch at a time, in order, from
 * what the disk holds when they are handled.
 */
export class WorkspaceIndex {
  private disk = new Map<string, ParsedFile>();
  private templates = new Set<string>();
  private excludedFiles = new Set<string>();
  private folders: string[] = [];
  private options: IndexOptions = defaultIndexOptions;
  private filters = new Map<string, PathFilter>();
  private snapshot: WorkspaceFile[] | undefined;
  /** The last array handed out, kept when the snapshot is dropped, to be handed out again if nothing differs. */
  private lastFiles: WorkspaceFile[] | undefined;
  private openKey = '';

  private wanted: ScanRequest | undefined;
  private doneKey: string | undefined;
  private forceNext = false;
  private running: { key: string; aborted: boolean } | undefined;
  private loop: Promise<void> | undefined;
  /** Parses of a stopped scan, reused by the next one. */
  private leftover = new Map<string, ParsedFile>();
  /** Files and folders that changed while a scan ran: checked again once it is swapped in. */
  private changedDuringScan = new Set<string>();
  private events: Promise<void> = Promise.resolve();
  private limitLogged = false;

  /** Completed scans (for tests and logs). */
  scans = 0;

  constructor(private readonly host: IndexHost) {}

  get size(): number {
    return this.disk.size;
  }

  /** Files skipped because they are templates, each counted once. */
  get skippedTemplates(): number {
    return this.templates.size;
  }

  /** YAML files left out by `files.exclude` or `netpol.exclude`. */
  get excluded(): number {
    return this.excludedFiles.size;
  }

  get scanning(): boolean {
    return this.running !== undefined;
  }

  /** The indexed copy of a file on disk. */
  fileFor(uri: string): ParsedFile | undefined {
    return this.disk.get(uri);
  }

  /** The URIs of the indexed files, in scan order. */
  uris(): string[] {
    return [...this.disk.keys()];
  }

  /** The URIs of the skipped template files and of the excluded files. */
  skipped(): { templates: string[]; excluded: string[] } {
    return { templates: [...this.templates].sort(), excluded: [...this.excludedFiles].sort() };
  }

  /**
   * Indexes the folders with these options. Nothing is done when the last scan had the same
   * folders and options (unless `force`); a scan asked for while another runs stops that one
   * and runs next, so scans never overlap. Resolves when the index is up to date.
   */
  scan(folders: readonly string[], options: IndexOptions, force = false): Promise<void> {
    const request: ScanRequest = { key: JSON.stringify([folders, options]), folders: [...folders], options };
    this.wanted = request;
    if (force) this.forceNext = true;
    if (this.running) {
      if (force || this.running.key !== request.key) this.running.aborted = true;
      return this.loop ?? Promise.resolve();
    }
    if (!force && request.key === this.doneKey) return Promise.resolve();
    this.loop = this.runScans().finally(() => {
      this.loop = undefined;
    });
    return this.loop;
  }

  private async runScans(): Promise<void> {
    // A scan starts after the file events already queued. Events that arrive while it runs
    // update the current map at once, and are looked at again after the swap.
    await this.events;
    for (;;) {
      const request = this.wanted;
      if (!request || (!this.forceNext && request.key === this.doneKey)) break;
      this.forceNext = false;
      const run = { key: request.key, aborted: false };
      this.running = run;
      let completed = false;
      try {
        completed = await this.scanOnce(request, run);
        if (completed) this.doneKey = request.key;
      } catch (error) {
        this.host.log(`Indexing the workspace failed: ${error instanceof Error ? error.message : String(error)}`);
        this.doneKey = request.key;
      } finally {
        this.running = undefined;
      }
      // Told once the scan is over, so that the status it reads says so.
      if (completed) this.host.onChange('all');
    }
  }

  /** One scan; false when it was stopped for a newer one. */
  private async scanOnce(request: ScanRequest, run: { aborted: boolean }): Promise<boolean> {
    const started = performance.now();
    this.folders = request.folders.map((folder) => path.resolve(folder));
    this.options = request.options;
    this.filters = new Map(this.folders.map((folder) => [folder, this.filterFor(folder, request.options)]));
    const progress = new ProgressTimer(this.host, started);
    try {
      // 1. The files to read, in a stable order (sorted, folder by folder, breadth first).
      const candidates: Candidate[] = [];
      const excluded = new Set<string>();
      for (const folder of this.folders) {
        await this.walk(folder, candidates, excluded, run, () => progress.update(`Looking for YAML files (${candidates.length} found)`));
        if (run.aborted) return this.stopped(new Map());
      }
      let total = candidates.length;
      if (total > request.options.maxFiles) {
        this.host.log(`The workspace has ${total} YAML files; only the first ${request.options.maxFiles} are read (netpol.workspace.maxFiles).`);
        candidates.length = request.options.maxFiles;
        total = candidates.length;
      }

      // 2. Read a few files ahead while parsing, one at a time, on this thread.
      const next = new Map<string, ParsedFile>();
      const templates = new Set<string>();
      const chartRoots = new Map<string, boolean>();
      const reads: (Promise<ReadResult> | undefined)[] = new Array(total);
      const startRead = (i: number) => {
        if (i < total) reads[i] = readText(candidates[i].file, request.options.maxFileSize);
      };
      for (let i = 0; i < Math.min(READ_AHEAD, total); i++) startRead(i);
      let sliceStart = performance.now();
      for (let i = 0; i < total; i++) {
        if (run.aborted) return this.stopped(next);
        const result = await reads[i]!;
        reads[i] = undefined;
        startRead(i + READ_AHEAD);
        const { uri, file } = candidates[i];
        if (result.kind === 'text') {
          if (isTemplate(file, result.text, chartRoots)) {
            templates.add(uri);
          } else {
            const previous = this.disk.get(uri) ?? this.leftover.get(uri);
            // An unchanged file keeps its parse; a changed one is parsed afresh, since the
            // previous parse is still in use until the swap below.
            next.set(uri, previous && previous.text === result.text ? previous : this.host.parse(result.text));
          }
        }
        progress.update(`Indexing ${i + 1} of ${total} YAML files`, total > 0 ? Math.floor(((i + 1) * 100) / total) : undefined);
        if (performance.now() - sliceStart > SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }

      // 3. Swap it in, then look again at what changed meanwhile.
      this.disk = next;
      this.templates = templates;
      this.excludedFiles = excluded;
      this.leftover = new Map();
      this.snapshot = undefined;
      this.limitLogged = false;
      const changed = [...this.changedDuringScan];
      for (const uri of changed) await this.reconcile(uri, 'created', new Set());
      // Events handled from here on go to the new map directly.
      this.changedDuringScan.clear();
      this.scans++;
      const ms = Math.round(performance.now() - started);
      const summary = `Indexed ${this.disk.size} YAML files in ${ms} ms${this.templates.size > 0 ? ` (${this.templates.size} template files skipped)` : ''}${this.excludedFiles.size > 0 ? `, ${this.excludedFiles.size} excluded` : ''}.`;
      this.host.log(summary);
      progress.finish(summary);
      return true;
    } finally {
      progress.finish('Indexing stopped.');
    }
  }

  private stopped(partial: Map<string, ParsedFile>): boolean {
    for (const [uri, parsed] of partial) this.leftover.set(uri, parsed);
    this.host.log('Indexing restarted: the folders or exclusions changed.');
    return false;
  }

  private filterFor(folder: string, options: IndexOptions): PathFilter {
    const filesExclude = options.filesExclude[folder] ?? options.filesExclude[''] ?? [];
    return new PathFilter([...filesExclude, ...options.exclude]);
  }

  private async walk(root: string, candidates: Candidate[], excluded: Set<string>, run: { aborted: boolean }, tick: () => void): Promise<void> {
    const queue = [root];
    let sliceStart = performance.now();
    while (queue.length > 0) {
      if (run.aborted) return;
      await this.visitDirectory(root, queue.shift()!, queue, candidates, excluded);
      tick();
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  /**
   * Files or folders changed on disk. Each is looked at again as the disk holds it now, so
   * the order and kind of events matter little: a rename arrives as a delete and a create; a
   * deleted folder removes every file indexed under it; a created folder is walked. Calls
   * are applied one at a time, in order; onChange is told once per call, and only when
   * something the index holds changed.
   */
  applyChanges(events: readonly FileEvent[]): Promise<void> {
    const work = this.events.then(async () => {
      const changed = new Set<string>();
      for (const event of events) {
        try {
          await this.reconcile(event.uri, event.kind, changed);
        } catch (error) {
          this.host.log(`Updating the index for ${event.uri} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (changed.size > 0) {
        this.snapshot = undefined;
        this.host.onChange([...changed]);
      }
    });
    this.events = work.catch(() => undefined);
    return work;
  }

  /** Brings one path up to date with the disk, collecting the URIs whose entries changed. */
  private async reconcile(given: string, kind: FileEvent['kind'], changed: Set<string>): Promise<void> {
    let file: string;
    try {
      file = fileURLToPath(given);
    } catch {
      return;
    }
    const uri = pathToFileURL(file).toString();
    if (this.running) this.changedDuringScan.add(uri);
    const folder = this.folderOf(file);
    if (folder === undefined) {
      // Outside the folders (or the folder was removed): only forget what was indexed there.
      this.forget(uri, changed);
      return;
    }
    const relative = relativePath(folder, file);
    if (relative !== '' && relative.split('/').some((part) => SKIPPED_DIRECTORIES.has(part))) return;
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat) {
      this.forget(uri, changed);
      return;
    }
    const excluded = this.filters.get(folder)?.excludes(relative, file) ?? false;
    if (stat.isDirectory()) {
      // A folder's own change event says nothing about its files.
      if (kind === 'changed') return;
      const candidates: Candidate[] = [];
      const excludedHere = new Set<string>();
      if (excluded) await countYamlFiles(file, excludedHere);
      else await this.walkFolder(folder, file, candidates, excludedHere);
      const present = new Set([...candidates.map((c) => c.uri), ...excludedHere]);
      const prefix = uri.endsWith('/') ? uri : `${uri}/`;
      for (const known of [...this.disk.keys(), ...this.templates, ...this.excludedFiles]) {
        if (known.startsWith(prefix) && !present.has(known)) this.forget(known, changed);
      }
      for (const excludedUri of excludedHere) this.markExcluded(excludedUri, changed);
      for (const candidate of candidates) await this.readInto(candidate.file, candidate.uri, changed);
      return;
    }
    if (!stat.isFile() || !YAML_FILE.test(file)) return;
    if (excluded) {
      this.markExcluded(uri, changed);
      return;
    }
    await this.readInto(file, uri, changed);
  }

  /**
   * One folder of a walk: its YAML files become candidates (or are counted as excluded), its
   * subfolders join the queue (an excluded one has its YAML files counted, not read).
   */
  private async visitDirectory(root: string, dir: string, queue: string[], candidates: Candidate[], excluded: Set<string>): Promise<void> {
    const filter = this.filters.get(root)!;
    for (const entry of await readDirectory(dir)) {
      const full = path.join(dir, entry.name);
      const relative = relativePath(root, full);
      const kind = await entryKind(entry, full);
      if (kind === 'directory') {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
        if (filter.matches(relative, full)) await countYamlFiles(full, excluded);
        else queue.push(full);
      } else if (kind === 'file' && YAML_FILE.test(entry.name)) {
        const uri = pathToFileURL(full).toString();
        if (filter.matches(relative, full)) excluded.add(uri);
        else candidates.push({ file: full, uri });
      }
    }
  }

  private async walkFolder(root: string, dir: string, candidates: Candidate[], excluded: Set<string>): Promise<void> {
    const queue = [dir];
    while (queue.length > 0) await this.visitDirectory(root, queue.shift()!, queue, candidates, excluded);
  }

  private async readInto(file: string, uri: string, changed: Set<string>): Promise<void> {
    const result = await readText(file, this.options.maxFileSize);
    if (result.kind !== 'text') {
      this.forget(uri, changed);
      return;
    }
    if (this.excludedFiles.delete(uri)) changed.add(uri);
    if (isTemplate(file, result.text, new Map())) {
      if (this.disk.delete(uri)) changed.add(uri);
      if (!this.templates.has(uri)) {
        this.templates.add(uri);
        changed.add(uri);
      }
      return;
    }
    if (this.templates.delete(uri)) changed.add(uri);
    const previous = this.disk.get(uri);
    if (previous && previous.text === result.text) return;
    if (!previous && this.disk.size >= this.options.maxFiles) {
      if (!this.limitLogged) this.host.log(`The index holds ${this.disk.size} files (netpol.workspace.maxFiles); new files are not read.`);
      this.limitLogged = true;
      return;
    }
    // The previous parse belongs to the index alone, so its unchanged documents can be reused;
    // not while a scan runs, which may have taken that parse into its new map.
    this.disk.set(uri, this.host.parse(result.text, this.running ? undefined : previous));
    changed.add(uri);
  }

  private markExcluded(uri: string, changed: Set<string>): void {
    if (this.disk.delete(uri) || this.templates.delete(uri)) changed.add(uri);
    if (!this.excludedFiles.has(uri)) {
      this.excludedFiles.add(uri);
      changed.add(uri);
    }
  }

  /** Removes a file, or every file under a folder. */
  private forget(uri: string, changed: Set<string>): void {
    const prefix = uri.endsWith('/') ? uri : `${uri}/`;
    for (const set of [this.disk, this.templates, this.excludedFiles]) {
      for (const known of [...set.keys()]) {
        if (known === uri || known.startsWith(prefix)) {
          set.delete(known);
          changed.add(known);
        }
      }
    }
  }

  private folderOf(file: string): string | undefined {
    let best: string | undefined;
    for (const folder of this.folders) {
      const relative = path.relative(folder, file);
      if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
      if (best === undefined || folder.length > best.length) best = folder;
    }
    return best;
  }

  /**
   * The workspace as the service sees it: every indexed file, with open documents in place of
   * their disk copies. The same array is returned until something changes, so analyses can be
   * cached on it.
   */
  files(open: ReadonlyMap<string, { version: number; parsed: ParsedFile }>): readonly WorkspaceFile[] {
    let key = '';
    for (const [uri, entry] of open) key += `${uri}@${entry.version}\n`;
    if (this.snapshot && key === this.openKey) return this.snapshot;
    const hidden = new Set([...open.keys()].map(normaliseFileUri));
    const files: WorkspaceFile[] = [];
    for (const [uri, parsed] of this.disk) if (!hidden.has(uri)) files.push({ uri, parsed });
    for (const [uri, entry] of open) files.push({ uri, parsed: entry.parsed });
    // The same files as before (a change on disk to a file open in the editor): keep the
    // array, so that the model built on it is kept too.
    const previous = this.snapshot ?? this.lastFiles;
    const same = previous !== undefined && previous.length === files.length && files.every((f, i) => f.uri === previous[i].uri && f.parsed === previous[i].parsed);
    this.snapshot = same ? previous : files;
    this.lastFiles = this.snapshot;
    this.openKey = key;
    return this.snapshot;
  }
}

/** Starts the editor's progress indicator once a scan has run for a while, and ends it. */
class ProgressTimer {
  private reporter: ScanProgress | undefined;
  private requested = false;
  private finished: string | undefined;
  private lastReport = 0;

  constructor(
    private readonly host: IndexHost,
    private readonly started: number,
  ) {}

  update(message: string, percentage?: number): void {
    if (this.finished !== undefined || !this.host.createProgress) return;
    const now = performance.now();
    if (!this.requested && now - this.started >= (this.host.progressDelayMs ?? 500)) {
      this.requested = true;
      this.host.createProgress().then(
        (reporter) => {
          if (!reporter) return;
          if (this.finished !== undefined) reporter.done(this.finished);
          else this.reporter = reporter;
        },
        () => undefined,
      );
    }
    if (this.reporter && now - this.lastReport >= 100) {
      this.lastReport = now;
      this.reporter.report(message, percentage);
    }
  }

  finish(summary: string): void {
    if (this.finished !== undefined) return;
    this.finished = summary;
    this.reporter?.done(summary);
    this.reporter = undefined;
  }
}

/** LSP work-done progress for long scans: "Indexing N of M YAML files", ending with a summary. */
export function lspScanProgress(connection: Connection): () => Promise<ScanProgress | undefined> {
  return async () => {
    const token = `netpol-index-${randomUUID()}`;
    try {
      await connection.sendRequest(WorkDoneProgressCreateRequest.type, { token });
    } catch {
      return undefined;
    }
    void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'begin', title: 'NetworkPolicy Inspector', message: 'Indexing YAML files', percentage: 0, cancellable: false });
    return {
      report: (message, percentage) => void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'report', message, ...(percentage !== undefined ? { percentage } : {}) }),
      done: (message) => void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'end', message }),
    };
  };
}

const normalisedUris = new Map<string, string>();

/**
 * A file URI spelled as the index spells it (Node's pathToFileURL), so that an editor's
 * spelling (`file:///c%3A/...`) finds the same file. Other URIs are returned as they are.
 */
export function normaliseFileUri(uri: string): string {
  let normalised = normalisedUris.get(uri);
  if (normalised === undefined) {
    try {
      normalised = uri.startsWith('file:') ? pathToFileURL(fileURLToPath(uri)).toString() : uri;
    } catch {
      normalised = uri;
    }
    if (normalisedUris.size > 10000) normalisedUris.clear();
    normalisedUris.set(uri, normalised);
  }
  return normalised;
}

function relativePath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

async function readDirectory(dir: string): Promise<fs.Dirent[]> {
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** Symbolic links to files are followed; links to folders are not, so loops cannot arise. */
async function entryKind(entry: fs.Dirent, full: string): Promise<'file' | 'directory' | 'other'> {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) {
    const target = await fs.promises.stat(full).catch(() => undefined);
    if (target?.isFile()) return 'file';
  }
  return 'other';
}

/** The YAML files under an excluded folder, for the count only: nothing is read. */
async function countYamlFiles(dir: string, into: Set<string>): Promise<void> {
  const queue = [dir];
  let budget = EXCLUDED_COUNT_BUDGET;
  while (queue.length > 0 && budget > 0) {
    const current = queue.shift()!;
    for (const entry of await readDirectory(current)) {
      if (--budget <= 0) return;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) queue.push(full);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && YAML_FILE.test(entry.name)) {
        into.add(pathToFileURL(full).toString());
      }
    }
  }
}

/**
 * One file's text, unless it is larger than the limit or cannot be read. The callback API
 * costs a fraction of what FileHandle and fs.promises cost per small file.
 */
function readText(file: string, maxFileSize: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    fs.stat(file, (statError, stat) => {
      if (statError || !stat.isFile()) return resolve({ kind: 'unreadable' });
      if (stat.size > maxFileSize) return resolve({ kind: 'too-large' });
      fs.readFile(file, 'utf8', (readError, text) => {
        if (readError) return resolve({ kind: 'unreadable' });
        // Editors do not show a byte order mark, so offsets must not count it.
        resolve({ kind: 'text', text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
      });
    });
  });
}

/**
 * Helm and other templates are not YAML until rendered: a file with `{{ ... }}` markers, or
 * any file under a chart's `templates/` folder (a folder beside a `Chart.yaml`).
 */
export function isTemplate(file: string, text: string, chartRoots: Map<string, boolean> = new Map()): boolean {
  const open = text.indexOf('{{');
  if (open >= 0 && text.indexOf('}}', open + 2) >= 0) return true;
  const parts = file.split(path.sep);
  const templates = parts.lastIndexOf('templates');
  if (templates > 0) {
    const chartRoot = parts.slice(0, templates).join(path.sep);
    let isChart = chartRoots.get(chartRoot);
    if (isChart === undefined) {
      try {
        isChart = fs.existsSync(path.join(chartRoot, 'Chart.yaml'));
      } catch {
        isChart = false;
      }
      chartRoots.set(chartRoot, isChart);
    }
    return isChart;
  }
  return false;
}
