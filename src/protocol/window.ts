import { z } from 'zod';
import { Direction, notification, request } from './define.js';

/**
 * LSP's own messages, where reloadd meets what an editor already shows: `window/showMessage`,
 * `window/showMessageRequest` and `window/logMessage` (LSP 3.17, "Window Features"), work-done
 * progress (`window/workDoneProgress/create`, `$/progress`). Shapes as LSP declares them, so a
 * generic LSP client needs nothing of reloadd's own to show them. The documents' side (saves,
 * diagnostics in the editor's buffers) is documents.ts.
 */

/** LSP's `MessageType`. */
export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
const MessageTypeSchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);

/** `initialize` → `capabilities.window`, as LSP's `ClientCapabilities.window`. */
export const WindowCapabilities = z.looseObject({
  /** The client shows `$/progress` for tokens the daemon creates. */
  workDoneProgress: z.boolean().nullish(),
  /**
   * LSP's ShowMessageRequestClientCapabilities. `window/showMessage` and `window/logMessage` need
   * no capability: every client gets them. Messages with buttons need the client's opt-in
   * (`initializationOptions.messageActions`), as many clients answer them with a modal prompt.
   */
  showMessage: z.looseObject({}).nullish(),
  /** The client opens a file at a place on `window/showDocument`. */
  showDocument: z.looseObject({ support: z.boolean().nullish() }).nullish(),
});
export type WindowCapabilities = z.infer<typeof WindowCapabilities>;

/**
 * `initialize` → `initializationOptions`: LSP's place for what is the server's own. Each switch
 * left out (or null) takes the daemon's setting of the same name (`reloadd config`).
 */
export const InitializationOptions = z.looseObject({
  /** A failed reload as `window/showMessage` (the Red editor's `[dev]` `hot_reload_notifications`). */
  notifications: z.boolean().nullish(),
  /** A successful reload as a `window/showMessage` of type Info too. */
  notifySuccess: z.boolean().nullish(),
  /** The daemon's log, from info up (each reload, plugins' own lines), as `window/logMessage`. */
  logMessages: z.boolean().nullish(),
  /**
   * A failed reload as `window/showMessageRequest` with buttons (Reload again, Show diagnostics,
   * Disable plugin) instead of `window/showMessage`. Off unless asked for: Neovim and Emacs
   * answer such a request with a prompt that holds the editor until it is answered.
   */
  messageActions: z.boolean().nullish(),
});
export type InitializationOptions = z.infer<typeof InitializationOptions>;

export const ShowMessage = notification(
  'window/showMessage',
  Direction.DaemonToClient,
  z.object({ type: MessageTypeSchema, message: z.string() }),
);

export type ShowMessageParams = z.infer<typeof ShowMessage.params>;

export const LogMessage = notification(
  'window/logMessage',
  Direction.DaemonToClient,
  z.object({ type: MessageTypeSchema, message: z.string() }),
);

export const MessageActionItem = z.looseObject({ title: z.string() });

/** A message with buttons; the answer is the one clicked, or null when it was dismissed. */
export const ShowMessageRequest = request(
  'window/showMessageRequest',
  Direction.DaemonToClient,
  z.object({
    type: MessageTypeSchema,
    message: z.string(),
    actions: z.array(MessageActionItem).optional(),
  }),
  MessageActionItem.nullable(),
);

const Position = z.object({ line: z.number().int(), character: z.number().int() });

/** Opens a file at a place in the editor (LSP 3.16). */
export const ShowDocument = request(
  'window/showDocument',
  Direction.DaemonToClient,
  z.object({
    uri: z.string(),
    takeFocus: z.boolean().optional(),
    selection: z.object({ start: Position, end: Position }).optional(),
  }),
  z.object({ success: z.boolean() }),
);

/** A progress token: a string or a number, as LSP's `ProgressToken`. */
export const ProgressToken = z.union([z.string(), z.number().int()]);
export type ProgressToken = z.infer<typeof ProgressToken>;

/** The daemon asks a client that declared `window.workDoneProgress` to show a progress. */
export const WorkDoneProgressCreate = request(
  'window/workDoneProgress/create',
  Direction.DaemonToClient,
  z.object({ token: ProgressToken }),
  z.null(),
);

/** The user cancelled a progress the daemon said was `cancellable`. */
export const WorkDoneProgressCancel = notification(
  'window/workDoneProgress/cancel',
  Direction.ClientToDaemon,
  z.object({ token: ProgressToken }),
);

export const WorkDoneProgressValue = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('begin'),
    title: z.string(),
    cancellable: z.boolean().optional(),
    message: z.string().optional(),
    percentage: z.number().int().min(0).max(100).optional(),
  }),
  z.object({
    kind: z.literal('report'),
    cancellable: z.boolean().optional(),
    message: z.string().optional(),
    percentage: z.number().int().min(0).max(100).optional(),
  }),
  z.object({ kind: z.literal('end'), message: z.string().optional() }),
]);
export type WorkDoneProgressValue = z.infer<typeof WorkDoneProgressValue>;

/** LSP's `$/progress`, for work-done progress. */
export const Progress = notification(
  '$/progress',
  Direction.DaemonToClient,
  z.object({ token: ProgressToken, value: WorkDoneProgressValue }),
);
export type ProgressParams = z.infer<typeof Progress.params>;
