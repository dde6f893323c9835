import path from 'node:path';
import {
  type DidReloadParams,
  describePhases,
  MessageType,
  ReloaddErrorCodes,
  ReloadTrigger,
} from '../../../protocol/index.js';
import { describeCause } from '../../reloading/reloadTrace.js';

/**
 * What an editor shows of a reload, decided apart from the sending (EditorWindow sends it): a
 * failure as `window/showMessage` (or, with buttons, `window/showMessageRequest`), every reload
 * as a line of `window/logMessage`. Pure.
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

export interface ReloadMessages {
  /** For the user's eyes; absent when nothing needs them. */
  show?: WindowNotice;
  /** For the editor's output log: every reload, with its phases. */
  log: { type: MessageType; message: string };
}

/** Failures that another message explains: the dependency's own, or the user's cancel. */
const EXPLAINED_ELSEWHERE = new Set<string>([
  ReloaddErrorCodes.Cancelled,
  ReloaddErrorCodes.DependencyFailed,
]);

export function reloadMessages(
  reload: DidReloadParams,
  pluginsDir: string,
  notifySuccess: boolean,
): ReloadMessages {
  const verb = reload.trigger === ReloadTrigger.Startup ? 'load' : 'reload';
  const { id, error } = reload;
  if (reload.ok) {
    const line = `[${id}] ${verb}ed generation ${reload.generation} in ${reload.durationMs} ms (${describeCause(reload, pluginsDir)}${reload.phases ? `; ${describePhases(reload.phases)}` : ''})`;
    // A first load of fifty plugins is not fifty messages.
    const show =
      notifySuccess && reload.trigger !== ReloadTrigger.Startup
        ? {
            type: MessageType.Info,
            message: `reloadd: ${id} reloaded (generation ${reload.generation}, ${reload.durationMs} ms)`,
            actions: [],
          }
        : undefined;
    return { ...(show ? { show } : {}), log: { type: MessageType.Log, message: line } };
  }
  const type = reload.rolledBack ? MessageType.Warning : MessageType.Error;
  const place = error?.file ? `${placeOf(error.file, error.range, pluginsDir)}: ` : '';
  const first = firstLine(error?.message ?? 'unknown error');
  const keeps =
    reload.generation > 0
      ? reload.rolledBack
        ? `; generation ${reload.generation} was brought back with its state`
        : `; generation ${reload.generation} keeps running`
      : '';
  const log = {
    type,
    message: `[${id}] ${verb} failed (${describeCause(reload, pluginsDir)}): ${place}${error?.message ?? 'unknown error'}${keeps}`,
  };
  if (error && EXPLAINED_ELSEWHERE.has(error.code)) return { log };
  const actions: WindowAction[] = [WindowAction.ReloadAgain];
  if (error?.file) actions.push(WindowAction.ShowDiagnostics);
  actions.push(WindowAction.DisablePlugin);
  return {
    show: { type, message: `reloadd: ${id} failed to ${verb}: ${place}${first}${keeps}`, actions },
    log,
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
