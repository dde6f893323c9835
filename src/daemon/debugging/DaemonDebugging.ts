import inspector from 'node:inspector';
import { devtoolsUrl, type InspectorInfo } from '../../protocol/index.js';
import { HostInspector } from './HostInspector.js';

/** Where `--inspect` opens the Node inspector (Node's own default: 127.0.0.1:9229). */
export interface InspectAddress {
  host: string;
  port: number;
}

/** A process host's inspector, as its host reported it. */
export interface ProcessInspector {
  name: string;
  plugins: string[];
  url: string;
}

/**
 * The daemon's debugging, owned in one place: the Node inspector it opened for `--inspect`
 * (Chrome DevTools and VS Code attach there, and reach the worker hosts through it), the
 * daemon's own session into its hosts, and whether plugin code pauses where it throws.
 */
export class DaemonDebugging {
  readonly hosts: HostInspector;
  private readonly address: (InspectAddress & { url: string }) | undefined;

  constructor(inspect: InspectAddress | undefined, onError: (error: unknown) => void) {
    this.hosts = new HostInspector(inspect !== undefined, onError);
    if (!inspect) return;
    // Opened before any host starts, so every worker is listed from its first moment.
    inspector.open(inspect.port, inspect.host, false);
    const url = inspector.url();
    if (!url) throw new Error(`the inspector could not listen on ${inspect.host}:${inspect.port}`);
    this.address = { host: inspect.host, port: Number(new URL(url).port), url };
  }

  get enabled(): boolean {
    return this.address !== undefined;
  }

  /** What daemon/status says; process hosts have inspectors of their own (HostPool knows them). */
  info(processHosts: ProcessInspector[]): InspectorInfo | null {
    if (!this.address) return null;
    return {
      url: this.address.url,
      host: this.address.host,
      port: this.address.port,
      devtoolsUrl: devtoolsUrl(this.address.url),
      breakOnError: this.hosts.breaksOnError,
      processHosts,
    };
  }

  async setBreakOnError(on: boolean): Promise<boolean> {
    await this.hosts.setBreakOnError(on);
    return on;
  }

  close(): void {
    if (this.address) inspector.close();
  }
}
