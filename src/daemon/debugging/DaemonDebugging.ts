import inspector from 'node:inspector';
import { devtoolsUrl, type InspectorInfo } from '../../protocol/index.js';
import type {
  DebugTargets,
  DevToolsTargets,
  ProcessInspector,
  WorkerThread,
} from './DevToolsTargets.js';
import { HostInspector } from './HostInspector.js';

/** Where `--inspect` opens the Node inspector (Node's own default: 127.0.0.1:9229). */
export interface InspectAddress {
  host: string;
  port: number;
}

/**
 * The daemon's debugging, owned in one place: the Node inspector it opened for `--inspect`
 * (Chrome DevTools and VS Code attach there, and reach the worker hosts through it), the
 * daemon's own session into its hosts, and whether plugin code pauses where it throws.
 */
export class DaemonDebugging {
  readonly hosts: HostInspector;
  private readonly address: (InspectAddress & { url: string }) | undefined;
  private targets: DevToolsTargets | undefined;

  constructor(inspect: InspectAddress | undefined, onError: (error: unknown) => void) {
    this.hosts = new HostInspector(inspect !== undefined, onError);
    if (!inspect) return;
    // Opened before any host starts, so every worker is listed from its first moment.
    inspector.open(inspect.port, inspect.host, false);
    const url = inspector.url();
    if (!url)
      throw new Error(
        `the inspector could not listen on ${inspect.host}:${inspect.port} (in use by another debugger or daemon? --inspect=0 takes any free port)`,
      );
    this.address = { host: inspect.host, port: Number(new URL(url).port), url };
  }

  /** Serves each plugin host to Chrome DevTools (DevToolsTargets), once the hosts can be listed. */
  async serveDevToolsTargets(
    threads: () => WorkerThread[],
    processes: () => ProcessInspector[],
    onError: (error: unknown) => void,
  ): Promise<void> {
    if (!this.address) return;
    // Loaded only under --inspect: an editor's daemon never loads ws for it.
    const { DevToolsTargets } = await import('./DevToolsTargets.js');
    this.targets = await DevToolsTargets.listen(this.address.host, threads, processes, onError);
  }

  get enabled(): boolean {
    return this.address !== undefined;
  }

  /** What daemon/status says; process hosts have inspectors of their own (HostPool knows them). */
  info(hosts: DebugTargets = { workers: [], processes: [] }): InspectorInfo | null {
    const { workers, processes: processHosts } = hosts;
    if (!this.address) return null;
    const targets = this.targets;
    return {
      url: this.address.url,
      host: this.address.host,
      port: this.address.port,
      devtoolsUrl: devtoolsUrl(this.address.url),
      breakOnError: this.hosts.breaksOnError,
      workerHosts: targets
        ? workers.map((w) => ({
            name: w.name,
            plugins: w.plugins,
            url: targets.url(w.name),
            devtoolsUrl: devtoolsUrl(targets.url(w.name)),
          }))
        : [],
      targetsAddress: targets ? `${targets.host}:${targets.port}` : '',
      processHosts: processHosts.map((p) => ({
        ...p,
        devtoolsUrl: devtoolsUrl(targets ? targets.url(p.name) : p.url),
      })),
    };
  }

  async setBreakOnError(on: boolean): Promise<boolean> {
    await this.hosts.setBreakOnError(on);
    return on;
  }

  close(): void {
    this.targets?.close();
    if (this.address) inspector.close();
  }
}
