import type { MessageConnection } from 'vscode-jsonrpc';
import type { AnyNotification, ProgressToken, RequestedBy } from '../../../protocol/index.js';
import type { WorkEvent } from '../../clientChannels/WorkProgress.js';
import type { ReloadDaemon } from '../../core/ReloadDaemon.js';
import type { Logger } from '../../logs/logger.js';
import type { ClientDeclaration } from '../handlers/handler.js';
import { DocumentDiagnostics } from './DocumentDiagnostics.js';
import { EditorWindow, type WindowSettings } from './EditorWindow.js';
import { SessionProgress } from './SessionProgress.js';

/**
 * What one client is shown of the daemon in LSP's own terms, beside reloadd's notifications:
 * window messages (EditorWindow), diagnostics in its buffers (DocumentDiagnostics) and work-done
 * progress (SessionProgress), each only as the client declared it in `initialize`.
 */
export class LspViews {
  private constructor(
    private readonly daemon: ReloadDaemon,
    private readonly window: EditorWindow | undefined,
    private readonly documents: DocumentDiagnostics | undefined,
    private readonly progressShown: SessionProgress,
  ) {}

  static open(
    connection: MessageConnection,
    context: { daemon: ReloadDaemon; window?: WindowSettings },
    declared: ClientDeclaration,
    client: RequestedBy,
    logger: Logger,
  ): LspViews {
    return new LspViews(
      context.daemon,
      EditorWindow.open(connection, context, declared, client, logger),
      declared.publishesDiagnostics ? new DocumentDiagnostics(connection, logger) : undefined,
      new SessionProgress(
        connection,
        client.clientId,
        declared.window?.workDoneProgress === true,
        logger,
      ),
    );
  }

  /** What stands when the client joins (after its `initialize` result): it has none of it yet. */
  seed(): void {
    this.documents?.seed(this.daemon.getDiagnostics());
  }

  /** Sees every notification on its way to the client. */
  observe(def: AnyNotification, params: unknown): void {
    this.window?.observe(def, params);
    this.documents?.observe(def, params);
  }

  progress(event: WorkEvent): void {
    this.progressShown.progress(event);
  }

  /** The daemon's work this client is shown on `token`, if any. */
  workFor(token: ProgressToken): number | undefined {
    return this.progressShown.workFor(token);
  }
}
