import type { MessageConnection } from 'vscode-jsonrpc';
import type { AnyNotification, ProgressToken, RequestedBy } from '../../../protocol/index.js';
import type { ReloadDaemon } from '../../core/ReloadDaemon.js';
import type { LogRing } from '../../logs/LogRing.js';
import type { Logger } from '../../logs/logger.js';
import type { WorkEvent } from '../../toClients/WorkProgress.js';
import type { ClientDeclaration } from '../handlers/handler.js';
import { DocumentDiagnostics } from './DocumentDiagnostics.js';
import { EditorWindow } from './EditorWindow.js';
import { PositionEncoder } from './PositionEncoder.js';
import { SessionProgress } from './SessionProgress.js';
import { WindowLog } from './WindowLog.js';
import { DEFAULT_WINDOW_SETTINGS, type WindowSettings, windowPolicy } from './windowMessages.js';

/** What every session's views are made from. */
export interface ViewsContext {
  daemon: ReloadDaemon;
  logs: LogRing;
  /** The daemon's settings of what LSP clients are shown. */
  window?: WindowSettings;
}

/**
 * What one client is shown of the daemon in LSP's own terms, beside reloadd's notifications:
 * window messages (EditorWindow) and the log (WindowLog), which LSP lets a server send any
 * client; diagnostics in its buffers (DocumentDiagnostics) and work-done progress
 * (SessionProgress), as the client declared them in `initialize`. Each is shown from the
 * client's `initialized` on.
 */
export class LspViews {
  private constructor(
    private readonly daemon: ReloadDaemon,
    private readonly window: EditorWindow,
    private readonly log: WindowLog | undefined,
    private readonly documents: DocumentDiagnostics | undefined,
    private readonly progressShown: SessionProgress,
  ) {}

  static open(
    connection: MessageConnection,
    context: ViewsContext,
    declared: ClientDeclaration,
    client: RequestedBy,
    logger: Logger,
  ): LspViews {
    const policy = windowPolicy(context.window ?? DEFAULT_WINDOW_SETTINGS, declared);
    const encoder = new PositionEncoder(declared.positionEncoding);
    return new LspViews(
      context.daemon,
      new EditorWindow(connection, context.daemon, policy, encoder, client, logger),
      policy.logs ? new WindowLog(connection, context.logs) : undefined,
      declared.publishesDiagnostics
        ? new DocumentDiagnostics(connection, encoder, logger)
        : undefined,
      new SessionProgress(
        connection,
        client.clientId,
        declared.window?.workDoneProgress === true,
        logger,
      ),
    );
  }

  /**
   * The client has sent `initialized`, and been sent what was held for it: it gets what stands
   * (the diagnostics, whatever was held of them) and the log from now on, or with `replayLog`
   * (the editor that started the daemon) from the daemon's start.
   */
  start(options: { replayLog: boolean }): void {
    const standing = this.daemon.getDiagnostics();
    this.documents?.seed(standing);
    this.window.seed(standing);
    this.log?.follow(options.replayLog);
  }

  /** Sees every notification on its way to the client. */
  observe(def: AnyNotification, params: unknown): void {
    this.window.observe(def, params);
    this.documents?.observe(def, params);
  }

  progress(event: WorkEvent): void {
    this.progressShown.progress(event);
  }

  /** The daemon's work this client is shown on `token`, if any. */
  workFor(token: ProgressToken): number | undefined {
    return this.progressShown.workFor(token);
  }

  dispose(): void {
    this.log?.dispose();
  }
}
