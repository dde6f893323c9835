import * as daemon from './daemon.js';
import * as dashboard from './dashboard.js';
import * as diagnostics from './diagnostics.js';
import * as editor from './editor.js';
import type { NotificationHandler, RequestHandler } from './handler.js';
import * as lifecycle from './lifecycle.js';
import * as logs from './logs.js';
import * as plugins from './plugins.js';
import * as progress from './progress.js';
import * as saves from './saves.js';
import * as state from './state.js';

/** Every request the daemon answers, in the order protocol.md documents them. */
export const requestHandlers: readonly RequestHandler[] = [
  lifecycle.initialize,
  lifecycle.shutdown,
  plugins.list,
  plugins.reload,
  state.getState,
  state.restoreSnapshot,
  plugins.profile,
  diagnostics.diagnostics,
  plugins.executeCommand,
  plugins.enable,
  plugins.disable,
  daemon.status,
  daemon.setHotReload,
  daemon.setDebugOptions,
  dashboard.openCode,
  logs.subscribe,
  logs.unsubscribe,
];

/** Every notification the daemon acts on beyond the lifecycle's own (`initialized`, `exit`). */
export const notificationHandlers: readonly NotificationHandler[] = [
  editor.event,
  editor.state,
  saves.didSave,
  saves.didChangeWatchedFiles,
  progress.cancel,
];
