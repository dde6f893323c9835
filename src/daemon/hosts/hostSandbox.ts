import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { HostBounds } from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';

export type HostPermissions = NonNullable<PluginDescriptor['permissions']>;

/**
 * What this machine offers to hold a process host to its manifest beyond Node's permission
 * model: bubblewrap (Debian's `bubblewrap`) puts it in namespaces of its own (no other process to
 * signal, no network unless granted, only the files it needs in view), and util-linux's
 * `prlimit` gives it an operating-system memory limit. Either may be missing: `findSandbox`
 * says which.
 */
export interface Sandbox {
  /** bubblewrap, when it runs here (it needs user namespaces). */
  bwrap?: string;
  prlimit?: string;
}

let found: Sandbox | undefined;

/** Tried once per process: each tool is run, and kept only when it works. */
export function findSandbox(): Sandbox {
  found ??= {
    ...(works('bwrap', ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'])
      ? { bwrap: 'bwrap' }
      : {}),
    ...(works('prlimit', ['--data=1073741824', 'true']) ? { prlimit: 'prlimit' } : {}),
  };
  return found;
}

function works(command: string, args: string[]): boolean {
  if (process.platform !== 'linux') return false;
  const run = spawnSync(command, args, { stdio: 'ignore', timeout: 5000 });
  return run.status === 0;
}

/** Why a plugin's permissions cannot be held here, or undefined when they can. Pure. */
export function sandboxRefusal(permissions: HostPermissions, sandbox: Sandbox): string | undefined {
  if (sandbox.bwrap || permissions.net) return undefined;
  return 'its permissions deny the network ("net": false, the default), which only a sandbox of its own can hold, and bubblewrap does not run here (Debian: apt install bubblewrap; it needs user namespaces): grant "net": true to run it with the network';
}

/** What the jailed host keeps of the daemon's environment, besides what its manifest grants. */
const KEPT_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/** Folders a Node process needs in view, when they exist: the system's programs and libraries. */
const SYSTEM_FOLDERS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/etc'];

/** A process host's command line, its environment and the bounds it runs under. */
export interface HostLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  bounds: HostBounds;
}

export interface LaunchRequest {
  /** Node's executable (its real path) and its flags (the heap cap, the permission model's). */
  node: string;
  execArgv: string[];
  /** The host's entry, `hostProcess.js` (its real path). */
  script: string;
  /**
   * reloadd's installation, which the host loads from: its folder and, where its packages are
   * links (a workspace, pnpm), the folders they lead to (real paths).
   */
  installation: string[];
  memoryMb: number;
  /** The plugin's grants: the host is jailed. Absent: a plain process of the user's. */
  permissions?: HostPermissions;
  /** A debugger must reach the host's inspector (on loopback): it keeps the network. */
  debugging: boolean;
  /**
   * Folders a jailed host must not see even when its grants cover them: the user's runtime
   * folder, which holds the daemon's token (only those that exist).
   */
  hidden: string[];
  /** The folder the system's name resolver is read from (a granted network needs it in view). */
  resolver: string;
  /** The daemon's environment, and what the host reads of its own (`RELOADD_HOST`). */
  env: NodeJS.ProcessEnv;
  hostEnv: Record<string, string>;
  sandbox: Sandbox;
}

/**
 * How a process host starts. Its memory is capped by the operating system (`prlimit --data`,
 * past which an allocation fails at once) above V8's heap cap, which ends the host first when
 * the heap grows; the daemon's RSS check catches what grows below both. A host with
 * `permissions` runs under bubblewrap: a PID namespace (it can signal nothing outside), no
 * network unless granted, a new session (no terminal to push keys into), no capabilities, a
 * private /tmp, and in view only the system's folders, Node, reloadd's installation and its
 * grants (the daemon's token, the user's home and sockets are not there); its environment is
 * what its manifest grants and what Node needs. Pure.
 */
export function hostLaunch(request: LaunchRequest): HostLaunch {
  const { permissions, sandbox } = request;
  const jailed = permissions !== undefined && sandbox.bwrap !== undefined;
  const network = !jailed || permissions?.net === true || request.debugging;
  const nodeCommand = [request.node, ...request.execArgv, request.script];
  // Without permissions, a plugin has the user's rights, but not the daemon's process: in a PID
  // namespace of its own, it can neither signal the daemon nor write into its stdout (the
  // protocol's stream, under an editor) through /proc.
  const sandboxArgs = jailed
    ? jailArgs(request, network)
    : [
        '--unshare-pid',
        '--die-with-parent',
        '--bind',
        '/',
        '/',
        '--dev-bind',
        '/dev',
        '/dev',
        '--proc',
        '/proc',
      ];
  const inner = sandbox.bwrap ? [sandbox.bwrap, ...sandboxArgs, '--', ...nodeCommand] : nodeCommand;
  // Room for Node's own data beside the heap: the cap bounds what plugins allocate. Only a jailed
  // host gets it: the limit passes to every process a host starts (a language server, a
  // compiler), which an unjailed plugin may start freely.
  const dataBytes = (request.memoryMb + 128) * 1024 * 1024;
  const limited = jailed && sandbox.prlimit !== undefined;
  const full = limited ? [sandbox.prlimit as string, `--data=${dataBytes}`, '--', ...inner] : inner;
  const env = permissions
    ? { ...pick(request.env, [...KEPT_ENV, ...permissions.env]), ...request.hostEnv }
    : { ...request.env, ...request.hostEnv };
  return {
    command: full[0] as string,
    args: full.slice(1),
    env,
    bounds: {
      ...(limited ? { memoryMb: request.memoryMb } : {}),
      ownProcesses: sandbox.bwrap !== undefined,
      jailed,
      network,
    },
  };
}

function jailArgs(request: LaunchRequest, network: boolean): string[] {
  const permissions = request.permissions as HostPermissions;
  const readOnly = [
    ...SYSTEM_FOLDERS,
    // Node where it is installed (a version manager's folder, say), and reloadd.
    path.dirname(path.dirname(request.node)),
    ...request.installation,
    ...permissions.fsRead,
    ...(network ? [request.resolver] : []),
  ];
  return [
    '--unshare-all',
    ...(network ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    ...readOnly.flatMap((p) => ['--ro-bind-try', p, p]),
    ...permissions.fsWrite.flatMap((p) => ['--bind-try', p, p]),
    ...request.hidden.flatMap((p) => ['--tmpfs', p]),
    '--chdir',
    '/',
  ];
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(
    names.flatMap((name) => (env[name] !== undefined ? [[name, env[name]]] : [])),
  );
}
