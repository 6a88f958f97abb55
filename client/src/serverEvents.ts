import vscode = require('vscode');
import type { LanguageClient } from 'vscode-languageclient/node';
import { IndexStatus, indexChangedNotification } from '../../server/src/protocol';

/**
 * A LanguageClient keeps one handler per notification method (a later `onNotification`
 * replaces the earlier one, and disposing either removes both), so the views that follow the
 * workspace index share one registration per client through this event.
 */
const emitters = new WeakMap<LanguageClient, vscode.EventEmitter<IndexStatus>>();

/** Calls `listener` whenever the server says the workspace index changed. */
export function onIndexChanged(client: LanguageClient, listener: (status: IndexStatus) => void): vscode.Disposable {
  let emitter = emitters.get(client);
  if (!emitter) {
    const created = new vscode.EventEmitter<IndexStatus>();
    client.onNotification(indexChangedNotification, (status: IndexStatus) => created.fire(status));
    emitters.set(client, (emitter = created));
  }
  return emitter.event(listener);
}
