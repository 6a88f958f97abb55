import { checkFixture, fixtureWorkspaces } from '../helpers/fixtures';

// Each fixture (a file, or a folder of files read as one workspace) carries its expected
// diagnostics as caret markers; files without markers must stay silent.
describe('semantic rules (test/fixtures/lint)', () => {
  for (const workspace of fixtureWorkspaces('lint')) {
    for (const file of workspace.files) {
      const name = workspace.files.length > 1 ? `${workspace.name}/${file.split('/').pop()}` : workspace.name;
      it(name, () => {
        checkFixture(file, {}, workspace.files);
      });
    }
  }
});
