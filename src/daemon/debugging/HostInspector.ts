import { InspectorSession } from './InspectorSession.js';
import { ProcessTarget } from './ProcessTarget.js';
import { type HostInspection, TargetInspection } from './TargetInspection.js';

export type { HostInspection, StackFrame } from './TargetInspection.js';

/**
 * One daemon's look into its plugin hosts: worker hosts through the process's inspector
 * session (InspectorSession), process hosts through their own inspectors (under `--inspect`).
 * It keeps break-on-error the same in all of them, now and for hosts to come.
 */
export class HostInspector {
  private readonly session = InspectorSession.shared();
  /** This daemon's worker hosts, by NodeWorker session (a process may run several daemons). */
  private readonly workers = new Map<string, TargetInspection>();
  private readonly processes = new Set<TargetInspection>();
  private breakOnError = false;

  constructor(
    /** The daemon runs under `--inspect`: only then can a debugger pause a host. */
    private readonly debugging: boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    this.session.onEvent((sessionId, method, params) => {
      if (method === 'NodeWorker.detachedFromWorker') this.workers.delete(sessionId);
      else this.workers.get(sessionId)?.onEvent(method, params);
    });
  }

  get breaksOnError(): boolean {
    return this.breakOnError;
  }

  /** A worker host, reached now, while it is young: under break-on-error it pauses from the start. */
  forWorker(threadId: number): HostInspection {
    const reached = this.session.reach(threadId).then(async (sessionId) => {
      const inspection = new TargetInspection(
        { send: (method, params) => this.session.send(sessionId, method, params) },
        this.debugging,
        this.onError,
      );
      this.workers.set(sessionId, inspection);
      if (this.breakOnError) await inspection.setBreakOnError(true);
      return inspection;
    });
    reached.catch(this.onError);
    return {
      // Without --inspect nothing can pause a host: the watchdog need not wait for the session.
      isPaused: async () => this.debugging && (await reached).isPaused(),
      stack: async () => (await reached).stack(),
    };
  }

  /** A process host's own inspector (its URL, as the host reported it); `close` when it ends. */
  forProcess(url: string): HostInspection & { close(): void } {
    const target = new ProcessTarget(url, (method, params) => made.onEvent(method, params));
    const made = new TargetInspection(target, this.debugging, this.onError);
    this.processes.add(made);
    if (this.breakOnError) made.setBreakOnError(true).catch(this.onError);
    return {
      isPaused: () => made.isPaused(),
      stack: () => made.stack(),
      close: () => {
        this.processes.delete(made);
        target.close();
      },
    };
  }

  /** Pause in plugin code on a throw (or stop doing so), in every host now and to come. */
  async setBreakOnError(on: boolean): Promise<void> {
    this.breakOnError = on;
    await Promise.all(
      [...this.workers.values(), ...this.processes].map((i) => i.setBreakOnError(on)),
    );
  }
}
