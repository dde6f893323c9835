import { ErrorCodes, ReloaddErrorCodes } from '../../protocol/index.js';

type RpcCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
type StableCode = (typeof ReloaddErrorCodes)[keyof typeof ReloaddErrorCodes];

/** An error the daemon core raises for a client; the wiring turns it into a JSON-RPC error. */
export class ReloaddError extends Error {
  constructor(
    readonly rpcCode: RpcCode,
    readonly code: StableCode,
    message: string,
  ) {
    super(message);
  }

  static unknownPlugin(id: string): ReloaddError {
    return new ReloaddError(
      ErrorCodes.UnknownPlugin,
      ReloaddErrorCodes.UnknownPlugin,
      `unknown plugin "${id}"`,
    );
  }

  /** `plugin/getState` or `plugin/restoreSnapshot` named a generation the history does not hold. */
  static unknownSnapshot(id: string, generation: number, kept: number[]): ReloaddError {
    return new ReloaddError(
      ErrorCodes.InvalidParams,
      ReloaddErrorCodes.UnknownSnapshot,
      `no snapshot of generation ${generation} of "${id}" is kept (${kept.length > 0 ? `generations kept: ${kept.join(', ')}` : 'none is'})`,
    );
  }

  /** A call that ran, but whose effect on the plugin's state could not be written to disk. */
  static stateNotWritten(message: string): ReloaddError {
    return new ReloaddError(ErrorCodes.StateNotWritten, ReloaddErrorCodes.StateNotWritten, message);
  }

  /** A command that ran and failed, or could not run (its message says which). */
  static commandFailed(message: string): ReloaddError {
    return new ReloaddError(ErrorCodes.CommandFailed, ReloaddErrorCodes.CommandFailed, message);
  }
}
