/**
 * Starts yaml-language-server over stdio with its validation delay, a fixed 200 ms with no
 * setting, set to 0: the benchmark sets our own debounce to 0 too, so both servers are timed
 * from a change to its diagnostics with no waiting on purpose. Nothing else is changed.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const settingsModule = require('yaml-language-server/out/server/src/yamlSettings') as { SettingsState: new () => { validationDelayMs: number } };
const Original = settingsModule.SettingsState;
settingsModule.SettingsState = class extends Original {
  constructor() {
    super();
    this.validationDelayMs = 0;
  }
};
process.env.YAML_LANGUAGE_SERVER_VERSION = (require('yaml-language-server/package.json') as { version: string }).version;
require('yaml-language-server/out/server/src/server.js');
