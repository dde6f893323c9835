/** What passes between the daemon and its type-check thread: each check and its answer. */
import type { Range } from '../../protocol/diagnostics.js';

/** A plugin to check, as its files are on disk when the check runs. */
export interface TypeCheckRequest {
  /** Numbered by the daemon, one count for all plugins: an answer names the check it answers. */
  check: number;
  pluginId: string;
  /** The plugin's folder, or its file when it is a single file. */
  root: string;
  entry: string;
}

/** One type error, where it is: file and range when it is in a file. */
export interface TypeProblem {
  message: string;
  file?: string;
  range?: Range;
  codeFrame?: string;
}

export type TypeCheckReply =
  | {
      kind: 'checked';
      check: number;
      problems: TypeProblem[];
      /** Problems past the ones sent, which are the first `problems.length` of them. */
      unsent: number;
      /** The tsconfig.json the check read, or null for the defaults. */
      config: string | null;
      files: number;
      ms: number;
    }
  /** A newer save of the plugin overtook it: nothing to say. */
  | { kind: 'cancelled'; check: number }
  | { kind: 'failed'; check: number; message: string }
  /** The TypeScript compiler cannot be loaded here: no check can run. */
  | { kind: 'unavailable'; message: string };

/** What the thread starts with. */
export interface TypeCheckWorkerData {
  /**
   * One Int32: the number of a check the daemon has dropped. The running check reads it while it
   * works (TypeScript's cancellation token) and stops when it names it.
   */
  dropped: SharedArrayBuffer;
  /** The declaration of `reloadd/plugin`, for plugins that do not install reloadd themselves. */
  pluginTypes: string;
  /** The module the TypeScript compiler is loaded from. */
  compiler: string;
}
