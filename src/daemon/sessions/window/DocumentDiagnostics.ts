import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc';
import {
  type AnyNotification,
  type Diagnostic,
  type LspDiagnostic,
  LspSeverity,
  PublishDiagnostics,
  type PublishDiagnosticsParams,
  TextDocumentPublishDiagnostics,
  type TextDocumentPublishDiagnosticsParams,
} from '../../../protocol/index.js';
import type { Logger } from '../../logs/logger.js';
import type { PositionEncoder } from './PositionEncoder.js';

/** What a session has shown: per plugin, the files it has diagnostics in, and those. */
export type ShownDocuments = Map<string, Map<string, LspDiagnostic[]>>;

/**
 * A plugin's new whole list → the files whose lists change, each with its whole new list from
 * every plugin (a file of shared code can be two plugins'). A file the plugin no longer has
 * diagnostics in gets what the others have, [] when none. Diagnostics with no file have no
 * buffer to show in: reloadd's own `plugin/publishDiagnostics` has them. Pure but for `shown`,
 * which it brings up to date.
 */
export function changedDocuments(
  shown: ShownDocuments,
  pluginId: string,
  diagnostics: readonly Diagnostic[],
): TextDocumentPublishDiagnosticsParams[] {
  const next = new Map<string, LspDiagnostic[]>();
  for (const d of diagnostics) {
    if (!d.file) continue;
    const uri = pathToFileURL(d.file).href;
    next.set(uri, [...(next.get(uri) ?? []), asLsp(d)]);
  }
  const before = shown.get(pluginId) ?? new Map<string, LspDiagnostic[]>();
  if (next.size > 0) shown.set(pluginId, next);
  else shown.delete(pluginId);
  const touched = new Set([...before.keys(), ...next.keys()]);
  return [...touched]
    .filter((uri) => JSON.stringify(before.get(uri)) !== JSON.stringify(next.get(uri)))
    .map((uri) => ({
      uri,
      diagnostics: [...shown.values()].flatMap((files) => files.get(uri) ?? []),
    }));
}

function asLsp(d: Diagnostic): LspDiagnostic {
  return {
    // A diagnostic of a file with no place in it (a manifest that is not JSON) covers its
    // first line: an empty range is drawn as nothing.
    range: d.range ?? { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
    severity: LspSeverity[d.severity],
    code: d.code,
    source: 'reloadd',
    message: `${d.pluginId}: ${d.message}`,
  };
}

/**
 * Each plugin's diagnostics as LSP's `textDocument/publishDiagnostics`, per file, for a client
 * that declared `capabilities.textDocument.publishDiagnostics`: a build error shows in the
 * editor's buffer, at its line, as a language server's would, its columns counted as the client
 * chose (`positionEncoding`).
 */
export class DocumentDiagnostics {
  private readonly shown: ShownDocuments = new Map();
  /** Lists being converted to the client's encoding go out in the order they came. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: MessageConnection,
    private readonly encoder: PositionEncoder,
    private readonly logger: Logger,
  ) {}

  /** What stands when the client joins: every plugin's current list. */
  seed(all: readonly Diagnostic[]): void {
    const byPlugin = new Map<string, Diagnostic[]>();
    for (const d of all) byPlugin.set(d.pluginId, [...(byPlugin.get(d.pluginId) ?? []), d]);
    for (const [pluginId, diagnostics] of byPlugin) this.update(pluginId, diagnostics);
  }

  /** Sees every notification on its way to the client. */
  observe(def: AnyNotification, params: unknown): void {
    if (def !== PublishDiagnostics) return;
    const { pluginId, diagnostics } = params as PublishDiagnosticsParams;
    this.update(pluginId, diagnostics);
  }

  private update(pluginId: string, diagnostics: readonly Diagnostic[]): void {
    const documents = changedDocuments(this.shown, pluginId, diagnostics);
    if (this.encoder.identity) {
      for (const document of documents) this.send(document);
      return;
    }
    this.sending = this.sending
      .then(async () => {
        for (const document of documents) this.send(await this.encoded(document));
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'diagnostics not converted'));
  }

  private async encoded(
    document: TextDocumentPublishDiagnosticsParams,
  ): Promise<TextDocumentPublishDiagnosticsParams> {
    const ranges = await this.encoder.ranges(
      fileURLToPath(document.uri),
      document.diagnostics.map((d) => d.range),
    );
    return {
      uri: document.uri,
      diagnostics: document.diagnostics.map((d, i) => ({ ...d, range: ranges[i] ?? d.range })),
    };
  }

  private send(document: TextDocumentPublishDiagnosticsParams): void {
    this.connection
      .sendNotification(TextDocumentPublishDiagnostics.method, document)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, uri: document.uri }, 'diagnostics not sent'),
      );
  }
}
