import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/**
 * Colour for people at a terminal only: never in a pipe, a file or CI logs, and never when
 * NO_COLOR is set (no-color.org).
 */
export class TerminalStyle {
  readonly enabled: boolean;

  constructor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env) {
    this.enabled = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  }

  paint(style: Style, text: string): string {
    return this.enabled ? styleText(style, text) : text;
  }

  ok(text: string): string {
    return this.paint('green', text);
  }

  bad(text: string): string {
    return this.paint('red', text);
  }

  warn(text: string): string {
    return this.paint('yellow', text);
  }

  dim(text: string): string {
    return this.paint('dim', text);
  }

  bold(text: string): string {
    return this.paint('bold', text);
  }
}
