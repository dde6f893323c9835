import { ErrorCodes, ReloaddErrorCodes } from '../../protocol/index.js';

type RpcCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
type StableCode = (typeof ReloaddErrorCodes)[keyof typeof ReloaddErrorCodes];

/**
 * What a client's request fails with: the core throws it, and the session answers it as a JSON-RPC
 * error, its stable `RELOADD_...` code in `data.code`.
 */
export class RequestFailure extends Error {
  constructor(
    readonly rpcCode: RpcCode,
    readonly code: StableCode,
    message: string,
  ) {
    super(message);
  }

  static unknownPlugin(id: string): RequestFailure {
    return new RequestFailure(
      ErrorCodes.UnknownPlugin,
      ReloaddErrorCodes.UnknownPlugin,
      `unknown plugin "${id}"`,
    );
  }

  /** `plugin/getState` or `plugin/restoreSnapshot` named a generation the history does not hold. */
  static unknownSnapshot(id: string, generation: number, kept: number[]): RequestFailure {
    return new RequestFailure(
      ErrorCodes.InvalidParams,
      ReloaddErrorCodes.UnknownSnapshot,
      `no snapshot of generation ${generation} of "${id}" is kept (${kept.length > 0 ? `generations kept: ${kept.join(', ')}` : 'none is'})`,
    );
  }

  /** A call that ran, but whose effect on the plugin's state could not be written to disk. */
  static stateNotWritten(message: string): RequestFailure {
    return new RequestFailure(
      ErrorCodes.StateNotWritten,
      ReloaddErrorCodes.StateNotWritten,
      message,
    );
  }

  /** A command that ran and failed, or could not run (its message says which). */
  static commandFailed(message: string): RequestFailure {
    return new RequestFailure(ErrorCodes.CommandFailed, ReloaddErrorCodes.CommandFailed, message);
  }
}
