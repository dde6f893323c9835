import { describe, expect, it } from 'vitest';
import {
  hostLaunch,
  type LaunchRequest,
  sandboxRefusal,
} from '../../src/daemon/hosts/hostSandbox.js';
import { commandRefusal } from '../../src/daemon/hosts/PluginCalls.js';
import { descriptorOf } from '../helpers/pluginSource.js';

const granted = {
  fsRead: ['/home/me/plugins/strict/data'],
  fsWrite: ['/home/me/plugins/strict/out'],
  childProcess: false,
  worker: false,
  net: false,
  env: ['SECRET_API_KEY'],
  commands: [],
};

const request = (fields: Partial<LaunchRequest> = {}): LaunchRequest => ({
  node: '/usr/local/lib/node/bin/node',
  execArgv: ['--max-old-space-size=256'],
  script: '/opt/reloadd/dist/daemon/worker/hostProcess.js',
  installation: ['/opt/reloadd'],
  memoryMb: 256,
  debugging: false,
  hidden: ['/run/user/1000/reloadd'],
  env: { PATH: '/usr/bin', HOME: '/home/me', SECRET_API_KEY: 's3', AWS_SECRET: 'x' },
  hostEnv: { RELOADD_HOST: '{}' },
  sandbox: { bwrap: 'bwrap', prlimit: 'prlimit' },
  ...fields,
});

/** The values that follow each `flag` in `args`. */
const valuesAfter = (args: string[], flag: string, count = 1) =>
  args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 1 + count).join(' ')] : []));

describe('how a process host starts', () => {
  it('jails a plugin with permissions: its own namespaces, no network, its grants in view, its env', () => {
    const launch = hostLaunch(request({ permissions: granted }));
    expect(launch.command).toBe('prlimit');
    expect(launch.args.slice(0, 3)).toEqual([`--data=${(256 + 128) * 1024 * 1024}`, '--', 'bwrap']);
    const { args } = launch;
    expect(args).toContain('--unshare-all');
    expect(args).not.toContain('--share-net');
    expect(args).toEqual(expect.arrayContaining(['--die-with-parent', '--new-session']));
    expect(valuesAfter(args, '--ro-bind-try', 2)).toEqual(
      expect.arrayContaining([
        '/usr /usr',
        '/usr/local/lib/node /usr/local/lib/node',
        '/opt/reloadd /opt/reloadd',
        '/home/me/plugins/strict/data /home/me/plugins/strict/data',
      ]),
    );
    expect(valuesAfter(args, '--ro-bind-try', 2)).not.toContain('/home/me /home/me');
    expect(valuesAfter(args, '--bind-try', 2)).toEqual([
      '/home/me/plugins/strict/out /home/me/plugins/strict/out',
    ]);
    // The daemon's token, out of view even for a plugin whose grants would cover it.
    expect(valuesAfter(args, '--tmpfs')).toEqual(['/tmp', '/run/user/1000/reloadd']);
    expect(args.slice(args.lastIndexOf('--') + 1)).toEqual([
      '/usr/local/lib/node/bin/node',
      '--max-old-space-size=256',
      '/opt/reloadd/dist/daemon/worker/hostProcess.js',
    ]);
    expect(launch.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      SECRET_API_KEY: 's3',
      RELOADD_HOST: '{}',
    });
    expect(launch.bounds).toEqual({ memoryMb: 256, ownProcesses: true, network: false });
  });

  it('keeps the network for a plugin granted it, or under a debugger', () => {
    for (const launch of [
      hostLaunch(request({ permissions: { ...granted, net: true } })),
      hostLaunch(request({ permissions: granted, debugging: true })),
    ]) {
      expect(launch.args).toContain('--share-net');
      expect(launch.bounds.network).toBe(true);
    }
  });

  it("gives a plugin without permissions the user's rights in a PID namespace of its own", () => {
    const launch = hostLaunch(request());
    expect(valuesAfter(launch.args, '--bind', 2)).toEqual(['/ /']);
    expect(launch.args).toEqual(expect.arrayContaining(['--unshare-pid', '--proc']));
    expect(launch.args).not.toContain('--unshare-all');
    expect(launch.env).toMatchObject({ AWS_SECRET: 'x', RELOADD_HOST: '{}' });
    expect(launch.bounds).toEqual({ memoryMb: 256, ownProcesses: true, network: true });
  });

  it('runs Node itself where neither tool does, bounded by nothing the system adds', () => {
    const launch = hostLaunch(request({ permissions: { ...granted, net: true }, sandbox: {} }));
    expect([launch.command, ...launch.args]).toEqual([
      '/usr/local/lib/node/bin/node',
      '--max-old-space-size=256',
      '/opt/reloadd/dist/daemon/worker/hostProcess.js',
    ]);
    expect(launch.bounds).toEqual({ ownProcesses: false, network: true });
  });

  it('refuses to promise no network where no sandbox holds it', () => {
    expect(sandboxRefusal(granted, {})).toMatch(/"net": false.*bubblewrap/);
    expect(sandboxRefusal({ ...granted, net: true }, {})).toBeUndefined();
    expect(sandboxRefusal(granted, { bwrap: 'bwrap' })).toBeUndefined();
  });
});

describe("which plugins' commands a plugin's code may run", () => {
  const strict = {
    ...descriptorOf('strict'),
    dependencies: { base: '*' },
    permissions: { ...granted, commands: ['clock.now'] },
  };
  it("its own, its dependencies', and those granted; a plugin without permissions, any", () => {
    expect(commandRefusal(strict, 'strict', 'strict.go')).toBeUndefined();
    expect(commandRefusal(strict, 'base', 'base.inc')).toBeUndefined();
    expect(commandRefusal(strict, 'clock', 'clock.now')).toBeUndefined();
    expect(commandRefusal(strict, 'clock', 'clock.reset')).toMatch(
      /plugin "strict" was denied Command "clock\.reset" .* add "clock" to its "dependencies", or "clock\.reset" to "permissions": \{ "commands"/,
    );
    expect(commandRefusal(descriptorOf('open'), 'clock', 'clock.reset')).toBeUndefined();
  });
});
