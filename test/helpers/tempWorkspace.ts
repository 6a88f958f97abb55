import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { repoRoot } from './lspClient';

/** The fixture workspaces: test/fixtures/workspaces/<name>/, each described by its README. */
export const workspacesRoot = path.join(repoRoot, 'test', 'fixtures', 'workspaces');

/**
 * A fixture workspace copied into a fresh temporary folder, so that tests can edit, rename
 * and delete its files. A `node_modules/` folder with a YAML file is added, which git would
 * not keep in the fixture.
 */
export class TempWorkspace {
  readonly dir: string;

  constructor(name: string) {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `netpol-${name}-`)));
    fs.cpSync(path.join(workspacesRoot, name), this.dir, { recursive: true });
    fs.mkdirSync(path.join(this.dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'node_modules', 'pkg', 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: dependency\n');
  }

  path(relative: string): string {
    return path.join(this.dir, ...relative.split('/'));
  }

  uri(relative: string): string {
    return pathToFileURL(this.path(relative)).toString();
  }

  read(relative: string): string {
    return fs.readFileSync(this.path(relative), 'utf8');
  }

  write(relative: string, text: string): void {
    fs.mkdirSync(path.dirname(this.path(relative)), { recursive: true });
    fs.writeFileSync(this.path(relative), text);
  }

  remove(relative: string): void {
    fs.rmSync(this.path(relative), { recursive: true, force: true });
  }

  rename(from: string, to: string): void {
    fs.mkdirSync(path.dirname(this.path(to)), { recursive: true });
    fs.renameSync(this.path(from), this.path(to));
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Pod manifest. */
export function podYaml(name: string, namespace: string, labels: Record<string, string>): string {
  const labelLines = Object.entries(labels).map(([k, v]) => `    ${k}: ${v}\n`).join('');
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n${labelLines}spec:\n  containers:\n  - name: main\n    image: busybox\n`;
}
