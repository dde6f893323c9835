/**
 * JSON-RPC error codes. The first group is JSON-RPC's and LSP's own; the second is reloadd's,
 * outside the ranges those reserve. Every reloadd error also carries a stable string code in
 * `error.data.code` (`RELOADD_...`), which scripts should match on rather than the message.
 */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerNotInitialized: -32002,
  RequestCancelled: -32800,

  UnknownPlugin: 1001,
  // 1002 is not used.
  UnknownCommand: 1003,
  CommandFailed: 1004,
  NotSupported: 1005,
  /** The call ran, but the plugin's state could not be written to `--state-dir`: not acknowledged. */
  StateNotWritten: 1006,
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Stable string codes, in `error.data.code` and in reload results' `error.code`. */
export const ReloaddErrorCodes = {
  UnknownPlugin: 'RELOADD_UNKNOWN_PLUGIN',
  PluginNotActive: 'RELOADD_PLUGIN_NOT_ACTIVE',
  UnknownCommand: 'RELOADD_UNKNOWN_COMMAND',
  CommandFailed: 'RELOADD_COMMAND_FAILED',
  DisableNotSupported: 'RELOADD_DISABLE_NOT_SUPPORTED',
  RestartRequired: 'RELOADD_RESTART_REQUIRED',
  /** In reload results: the request was cancelled before this plugin's turn. */
  Cancelled: 'RELOADD_CANCELLED',
  /** In reload results: a dependent was not reloaded because its dependency failed to. */
  DependencyFailed: 'RELOADD_DEPENDENCY_FAILED',
  /** `plugin/getState` or `plugin/restoreSnapshot` named a generation the history does not hold. */
  UnknownSnapshot: 'RELOADD_UNKNOWN_SNAPSHOT',
  /** `daemon/setDebugOptions` on a daemon started without `--inspect`: no debugger can attach. */
  NotDebugging: 'RELOADD_NOT_DEBUGGING',
  /** `dashboard/openCode` on a daemon that does not listen on a port: it serves no dashboard. */
  NoDashboard: 'RELOADD_NO_DASHBOARD',
  /**
   * A command (or API call) ran, but the snapshot holding its effect could not be written to
   * `--state-dir` (disk full, read-only, permission), or the plugin's last write failed and none
   * has succeeded since: its answer is not an acknowledgment.
   */
  StateNotWritten: 'RELOADD_STATE_NOT_WRITTEN',
} as const;
