import { EditorEvent, EditorState } from '../../../protocol/index.js';
import { onNotification } from './handler.js';

/**
 * The editor bridge, editor → daemon: what happens in the editor reaches every plugin listening.
 * (Daemon → editor, `editor/call`, goes out on the session of the editor the user is in.)
 */

export const event = onNotification(EditorEvent, (params, { daemon }) =>
  daemon.emitEvent(params.event, params.data, params.pluginId),
);

export const state = onNotification(EditorState, (params, { daemon }) =>
  daemon.hosts.pushEditorState(params.state),
);
