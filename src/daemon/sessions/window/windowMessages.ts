import path from 'node:path';
import {
  type Diagnostic,
  DiagnosticCodes,
  type DidReloadParams,
  type InitializationOptions,
  MessageType,
  PluginStatus,
  ReloaddErrorCodes,
  ReloadTrigger,
  type WindowCapabilities,
} from '../../../protocol/index.js';

/**
 * What an editor shows of a reload, decided apart from the sending (EditorWindow sends it): a
 * failure as `window/showMessage`, or, for a client that asked for them, as
 * `window/showMessageRequest` with buttons; a success only when asked for. And a plugin whose
 * state cannot be written, when that starts and when it ends. Pure.
 */

/** The buttons a failed reload offers; the answer is run as the user's request. */
export const WindowAction = {
  ReloadAgain: 'Reload again',
  ShowDiagnostics: 'Show diagnostics',
  DisablePlugin: 'Disable plugin',
} as const;
export type WindowAction = (typeof WindowAction)[keyof typeof WindowAction];

export interface WindowNotice {
  type: MessageType;
  message: string;
  /** Empty for a success: there is nothing to do about it. */
  actions: WindowAction[];
}

/** The daemon's settings of what LSP clients are shown (`reloadd config`), for every client. */
export interface WindowSettings {
  /** A failed reload as `window/showMessage` (the Red editor's `[dev]` `hot_reload_notifications`). */
  notifications: boolean;
  /** A successful reload as an Info `window/showMessage` too. */
  notifySuccess: boolean;
  /** The daemon's log, from info up, as `window/logMessage`. */
  logMessages: boolean;
  /** A failed reload as a message with buttons, to clients that declared `window.showMessage`. */
  messageActions: boolean;
}

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = {
  notifications: true,
  notifySuccess: false,
  logMessages: true,
  messageActions: false,
};

/** What one client is shown, once its `initialize` and the daemon's settings are weighed. */
export interface WindowPolicy {
  /** How a failed reload is told: not at all, as a message, or as a message with buttons. */
  failures: 'none' | 'message' | 'actions';
  successes: boolean;
  logs: boolean;
  /** *Show diagnostics* opens the file at its place (the client answers `window/showDocument`). */
  opensDocuments: boolean;
}

/**
 * The client's own `initializationOptions` win over the daemon's settings. The daemon's
 * `messageActions` reaches only clients that declared `window.showMessage` (they answer
 * `window/showMessageRequest`); a client's own opt-in needs nothing more.
 */
export function windowPolicy(
  settings: WindowSettings,
  declared: {
    window?: WindowCapabilities | undefined;
    options?: InitializationOptions | undefined;
  },
): WindowPolicy {
  const { options } = declared;
  const messages = options?.notifications ?? settings.notifications;
  const actions =
    options?.messageActions ?? (settings.messageActions && Boolean(declared.window?.showMessage));
  return {
    failures: !messages ? 'none' : actions ? 'actions' : 'message',
    successes: messages && (options?.notifySuccess ?? settings.notifySuccess),
    logs: options?.logMessages ?? settings.logMessages,
    opensDocuments: declared.window?.showDocument?.support === true,
  };
}

/** Failures that another message explains: the dependency's own, or the user's cancel. */
const EXPLAINED_ELSEWHERE = new Set<string>([
  ReloaddErrorCodes.Cancelled,
  ReloaddErrorCodes.DependencyFailed,
]);

/**
 * The message a reload is shown as, if any: a failure as an Error, or as a Warning when the
 * old generation keeps running; a success only with `successes`. `actions` are the buttons
 * offered to a client that takes them.
 */
export function reloadNotice(
  reload: DidReloadParams,
  pluginsDir: string,
  successes: boolean,
): WindowNotice | undefined {
  const verb = reload.trigger === ReloadTrigger.Startup ? 'load' : 'reload';
  const { id, error } = reload;
  if (reload.ok) {
    // A first load of fifty plugins is not fifty messages.
    if (!successes || reload.trigger === ReloadTrigger.Startup) return undefined;
    return {
      type: MessageType.Info,
      message: `reloadd: ${id} reloaded (generation ${reload.generation}, ${reload.durationMs} ms)`,
      actions: [],
    };
  }
  if (error && EXPLAINED_ELSEWHERE.has(error.code)) return undefined;
  const kept = reload.status === PluginStatus.Active && reload.generation > 0;
  const place = error?.file ? `${placeOf(error.file, error.range, pluginsDir)}: ` : '';
  const first = firstLine(error?.message ?? 'unknown error');
  const keeps = kept
    ? reload.rolledBack
      ? `; generation ${reload.generation} was brought back with its state`
      : `; generation ${reload.generation} keeps running`
    : '';
  const actions: WindowAction[] = [WindowAction.ReloadAgain];
  if (error?.file) actions.push(WindowAction.ShowDiagnostics);
  actions.push(WindowAction.DisablePlugin);
  return {
    type: kept ? MessageType.Warning : MessageType.Error,
    message: `reloadd: ${id} failed to ${verb}: ${place}${first}${keeps}`,
    actions,
  };
}

/**
 * A plugin's new diagnostics, against whether this client was last told its state cannot be
 * written: an Error when they gain RELOADD_STATE_NOT_WRITTEN (what the diagnostic says), an Info
 * when they lose it; nothing while it stands (each failed write publishes the list again).
 */
export function stateWriteNotice(
  pluginId: string,
  diagnostics: readonly Diagnostic[],
  failingBefore: boolean,
): { failing: boolean; notice?: WindowNotice } {
  const notWritten = diagnostics.find((d) => d.code === DiagnosticCodes.StateNotWritten);
  const failing = notWritten !== undefined;
  if (failing === failingBefore) return { failing };
  return {
    failing,
    notice: notWritten
      ? {
          type: MessageType.Error,
          message: `reloadd: ${pluginId}: ${notWritten.message}`,
          actions: [],
        }
      : {
          type: MessageType.Info,
          message: `reloadd: ${pluginId}'s state is written again; its commands succeed again`,
          actions: [],
        },
  };
}

/** "counter/index.ts:3": the place an editor user looks, relative to the plugins folder. */
export function placeOf(
  file: string,
  range: { start: { line: number } } | undefined,
  pluginsDir: string,
): string {
  const relative = path.relative(pluginsDir, file);
  const name = relative.startsWith('..') ? file : relative;
  return range ? `${name}:${range.start.line + 1}` : name;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
