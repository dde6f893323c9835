import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc';
import {
  type AnyNotification,
  type Diagnostic,
  DidReload,
  type DidReloadParams,
  LogMessage,
  MessageType,
  PublishDiagnostics,
  type PublishDiagnosticsParams,
  type RequestedBy,
  ShowDocument,
  ShowMessage,
  ShowMessageRequest,
} from '../../../protocol/index.js';
import type { ReloadDaemon } from '../../core/ReloadDaemon.js';
import type { Logger } from '../../logs/logger.js';
import type { PositionEncoder } from './PositionEncoder.js';
import {
  placeOf,
  reloadNotice,
  stateWriteNotice,
  WindowAction,
  type WindowNotice,
  type WindowPolicy,
} from './windowMessages.js';

/**
 * What a client is shown of reloads as an LSP client shows any language server's messages: a
 * failed reload as `window/showMessage`, or, for a client that asked for them, as a message with
 * buttons (`window/showMessageRequest`), each run when clicked. LSP needs no capability for
 * either. The reloadd notifications still go too: a client that knows them loses nothing. A
 * plugin whose state cannot be written is told as it starts and as it ends.
 */
export class EditorWindow {
  /** Plugins with a message of buttons still open: a second failure is a plain message. */
  private readonly asking = new Set<string>();
  /** Plugins this client was told cannot write their state (and not yet that they can again). */
  private readonly notWritten = new Set<string>();

  constructor(
    private readonly connection: MessageConnection,
    private readonly daemon: ReloadDaemon,
    private readonly policy: WindowPolicy,
    private readonly encoder: PositionEncoder,
    private readonly client: RequestedBy | undefined,
    private readonly logger: Logger,
  ) {}

  /** Sees every notification on its way to the client. */
  observe(def: AnyNotification, params: unknown): void {
    if (this.policy.failures === 'none') return;
    if (def === PublishDiagnostics) {
      const { pluginId, diagnostics } = params as PublishDiagnosticsParams;
      this.diagnosticsOf(pluginId, diagnostics);
      return;
    }
    if (def !== DidReload) return;
    const reload = params as DidReloadParams;
    const notice = reloadNotice(reload, this.daemon.pluginsDir, this.policy.successes);
    if (notice) this.tell(reload.id, notice);
  }

  /** What stands as the client starts (its `initialized`): a state that cannot be written now. */
  seed(diagnostics: readonly Diagnostic[]): void {
    if (this.policy.failures === 'none') return;
    for (const pluginId of new Set(diagnostics.map((d) => d.pluginId)))
      this.diagnosticsOf(
        pluginId,
        diagnostics.filter((d) => d.pluginId === pluginId),
      );
  }

  private diagnosticsOf(pluginId: string, diagnostics: readonly Diagnostic[]): void {
    const { failing, notice } = stateWriteNotice(
      pluginId,
      diagnostics,
      this.notWritten.has(pluginId),
    );
    if (failing) this.notWritten.add(pluginId);
    else this.notWritten.delete(pluginId);
    if (notice) this.tell(pluginId, notice);
  }

  private tell(pluginId: string, notice: WindowNotice): void {
    const { type, message, actions } = notice;
    if (actions.length === 0 || this.policy.failures !== 'actions' || this.asking.has(pluginId)) {
      this.notify(ShowMessage, { type, message });
      return;
    }
    this.asking.add(pluginId);
    this.connection
      .sendRequest(ShowMessageRequest.method, {
        type,
        message,
        actions: actions.map((title) => ({ title })),
      })
      .then((answer) => {
        this.asking.delete(pluginId);
        const title = (answer as { title?: unknown } | null)?.title;
        const action = actions.find((a) => a === title);
        if (action) return this.run(action, pluginId);
      })
      .catch((error: unknown) => {
        this.asking.delete(pluginId);
        this.logger.warn({ err: error, plugin: pluginId }, 'a message action failed');
      });
  }

  /** The user clicked a button: it runs as their own request would. */
  private async run(action: WindowAction, pluginId: string): Promise<void> {
    switch (action) {
      case WindowAction.ReloadAgain:
        // Its outcome comes back as plugin/didReload, and so as a message of its own.
        await this.daemon.reload([pluginId], () => false, this.client);
        return;
      case WindowAction.DisablePlugin: {
        const status = await this.daemon.disable(pluginId).catch((error: Error) => {
          this.notify(ShowMessage, {
            type: MessageType.Error,
            message: `reloadd: ${pluginId} cannot be disabled: ${error.message}`,
          });
          return undefined;
        });
        if (status)
          this.notify(ShowMessage, {
            type: MessageType.Info,
            message: `reloadd: ${pluginId} is ${status}`,
          });
        return;
      }
      case WindowAction.ShowDiagnostics:
        await this.showDiagnostics(pluginId);
        return;
    }
  }

  /** Every diagnostic to the output log, with its code frame; the first opened at its place. */
  private async showDiagnostics(pluginId: string): Promise<void> {
    const diagnostics = this.daemon.getDiagnostics(pluginId);
    for (const d of diagnostics) {
      const place = d.file ? `${placeOf(d.file, d.range, this.daemon.pluginsDir)}: ` : '';
      this.notify(LogMessage, {
        type: d.severity === 'error' ? MessageType.Error : MessageType.Warning,
        message: `[${pluginId}] ${place}${d.message} (${d.code})${d.codeFrame ? `\n${d.codeFrame}` : ''}`,
      });
    }
    const first = diagnostics.find((d) => d.file);
    if (!first?.file || !this.policy.opensDocuments) return;
    const [selection] = first.range ? await this.encoder.ranges(first.file, [first.range]) : [];
    await this.connection.sendRequest(ShowDocument.method, {
      uri: pathToFileURL(first.file).href,
      takeFocus: true,
      ...(selection ? { selection } : {}),
    });
  }

  private notify(def: typeof ShowMessage | typeof LogMessage, params: unknown): void {
    this.connection
      .sendNotification(def.method, params)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, method: def.method }, 'notification not sent'),
      );
  }
}
