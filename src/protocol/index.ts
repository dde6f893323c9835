/**
 * The reloadd protocol: every method's literal name, its zod schemas and the types inferred from
 * them, shared by the daemon and every client.
 *
 * Import rule: files in src/protocol import only zod and each other. Nothing here may import from
 * src/daemon or src/clients, so a client can depend on this folder alone. Code that runs in a
 * plugin host imports the zod-free files it needs directly (redApi.ts), not this index.
 */
import { DaemonSetHotReload, DaemonStatus } from './daemon.js';
import { DashboardOpenCode } from './daemonFile.js';
import { DaemonSetDebugOptions } from './debugging.js';
import { TextDocumentPublishDiagnostics } from './documents.js';
import { EditorCall } from './editor.js';
import { Initialize, Shutdown } from './lifecycle.js';
import { LogEntryNotification, LogSubscribe, LogUnsubscribe } from './logs.js';
import { DidChangeStatus, DidReload, PublishDiagnostics } from './notifications.js';
import {
  PluginDiagnostics,
  PluginDisable,
  PluginEnable,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
  PluginProfile,
  PluginReload,
  PluginRestoreSnapshot,
} from './plugin.js';
import {
  LogMessage,
  Progress,
  ShowDocument,
  ShowMessage,
  ShowMessageRequest,
  WorkDoneProgressCreate,
} from './window.js';

export * from './daemon.js';
export * from './daemonFile.js';
export * from './debugging.js';
export * from './define.js';
export * from './diagnostics.js';
export * from './documents.js';
export * from './editor.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './limits.js';
export * from './logs.js';
export * from './notifications.js';
export * from './plugin.js';
export * from './positionEncoding.js';
export * from './redApi.js';
export * from './stateDiff.js';
export * from './status.js';
export * from './validation.js';
export * from './window.js';

/** Every request the daemon answers, in the order protocol.md documents them. */
export const requests = [
  Initialize,
  Shutdown,
  PluginList,
  PluginReload,
  PluginGetState,
  PluginRestoreSnapshot,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginEnable,
  PluginDisable,
  PluginProfile,
  DaemonStatus,
  DaemonSetHotReload,
  DaemonSetDebugOptions,
  DashboardOpenCode,
  LogSubscribe,
  LogUnsubscribe,
] as const;

/** Every notification the daemon sends. */
export const serverNotifications = [
  DidReload,
  PublishDiagnostics,
  DidChangeStatus,
  LogEntryNotification,
  ShowMessage,
  LogMessage,
  Progress,
  TextDocumentPublishDiagnostics,
] as const;

/** Requests the daemon sends to clients that declared they answer them. */
export const serverRequests = [
  EditorCall,
  ShowMessageRequest,
  ShowDocument,
  WorkDoneProgressCreate,
] as const;
