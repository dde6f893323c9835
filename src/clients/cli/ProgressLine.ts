import type { Disposable } from 'vscode-jsonrpc';
import { Progress, type ProgressToken, type WorkDoneProgressValue } from '../../protocol/index.js';
import type { NotificationSource } from '../ReloaddClient.js';

/** What a progress line is written to: a terminal's stream. */
export interface LineStream {
  write(text: string): unknown;
  columns?: number;
}

/**
 * One line at the terminal that says how far long work has come, written over in place; only on
 * a terminal and never with `--json` (a pipe or a script gets the results alone).
 */
export class ProgressLine {
  private shown = false;

  constructor(private readonly stream: LineStream) {}

  /** On a terminal: a line on stderr; otherwise none. */
  static onTerminal(json: boolean | undefined): ProgressLine | undefined {
    return process.stderr.isTTY && !json ? new ProgressLine(process.stderr) : undefined;
  }

  show(text: string): void {
    // A terminal of unknown size (a pty nobody sized) says 0 columns.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    this.stream.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  /** Shows the daemon's `$/progress` on `token` until its end (LSP work-done progress). */
  follow(client: NotificationSource, token: ProgressToken): Disposable {
    let title = '';
    return client.onNotification(Progress, ({ token: on, value }) => {
      if (on !== token) return;
      if (value.kind === 'begin') title = value.title;
      if (value.kind === 'end') this.clear();
      else this.show(describeProgress(title, value));
    });
  }
}

/** "Reloading all plugins  42%  counter ✓ (21 of 50)". */
function describeProgress(title: string, value: WorkDoneProgressValue): string {
  const percentage =
    'percentage' in value && value.percentage !== undefined ? `  ${value.percentage}%` : '';
  const message = value.message ? `  ${value.message}` : '';
  return `${title}${percentage}${message}`;
}
