import { fileURLToPath } from 'node:url';
import { DidChangeWatchedFiles, DidSaveTextDocument } from '../../../protocol/index.js';
import type { FileChange } from '../../reloading/planReload.js';
import { onNotification } from './handler.js';

/**
 * The editor's saves, as LSP clients send them: hints that reload the plugins a file belongs to
 * at once, ahead of the file watcher (whose own event for the same write then changes nothing).
 * URIs that are not files are ignored.
 */

const KIND_OF_CHANGE: Record<1 | 2 | 3, FileChange['kind']> = {
  1: 'add',
  2: 'change',
  3: 'unlink',
};

export const didSave = onNotification(DidSaveTextDocument, (params, { daemon }) => {
  const file = filePath(params.textDocument.uri);
  if (file) daemon.filesSaved([{ path: file, kind: 'change' }]);
});

export const didChangeWatchedFiles = onNotification(DidChangeWatchedFiles, (params, { daemon }) => {
  const changes = params.changes.flatMap((change) => {
    const file = filePath(change.uri);
    return file ? [{ path: file, kind: KIND_OF_CHANGE[change.type] }] : [];
  });
  if (changes.length > 0) daemon.filesSaved(changes);
});

function filePath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
