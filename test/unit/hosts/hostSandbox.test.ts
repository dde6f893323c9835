import { describe, expect, it } from 'vitest';
import {
  hostLaunch,
  type LaunchRequest,
  sandboxRefusal,
} from '../../../src/daemon/hosts/hostSandbox.js';
import { callRefusal } from '../../../src/daemon/hosts/PluginCalls.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

const granted = {
  fsRead: ['/home/me/plugins/strict/data'],
  fsWrite: ['/home/me/plugins/strict/out'],
  childProcess: false,
  worker: false,
  net: false,
  env: ['SECRET_API_KEY'],
  commands: [],
  editor: [],
};

const request = (fields: Partial<LaunchRequest> = {}): LaunchRequest => ({
  node: '/usr/local/lib/node/bin/node',
  execArgv: ['--max-old-space-size=256'],
  script: '/opt/reloadd/dist/daemon/worker/hostProcess.js',
  installation: ['/opt/reloadd'],
  memoryMb: 256,
  debugging: false,
  hidden: ['/run/user/1000/reloadd'],
  resolver: '/run/systemd/resolve',
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
    // No network: no resolver either.
    expect(valuesAfter(args, '--ro-bind-try', 2)).not.toContain(
      '/run/systemd/resolve /run/systemd/resolve',
    );
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
    expect(launch.bounds).toEqual({
      memoryMb: 256,
      ownProcesses: true,
      jailed: true,
      network: false,
    });
  });

  it('keeps the network for a plugin granted it, or under a debugger', () => {
    for (const launch of [
      hostLaunch(request({ permissions: { ...granted, net: true } })),
      hostLaunch(request({ permissions: granted, debugging: true })),
    ]) {
      expect(launch.args).toContain('--share-net');
      expect(launch.bounds.network).toBe(true);
      expect(valuesAfter(launch.args, '--ro-bind-try', 2)).toContain(
        '/run/systemd/resolve /run/systemd/resolve',
      );
    }
  });

  it("gives a plugin without permissions the user's rights in a PID namespace of its own", () => {
    const launch = hostLaunch(request());
    // Neither a memory limit its tools would inherit, nor a jail.
    expect(launch.command).toBe('bwrap');
    expect(valuesAfter(launch.args, '--bind', 2)).toEqual(['/ /']);
    expect(launch.args).toEqual(expect.arrayContaining(['--unshare-pid', '--proc']));
    expect(launch.args).not.toContain('--unshare-all');
    expect(launch.env).toMatchObject({ AWS_SECRET: 'x', RELOADD_HOST: '{}' });
    expect(launch.bounds).toEqual({ ownProcesses: true, jailed: false, network: true });
  });

  it('runs Node itself where neither tool does, bounded by nothing the system adds', () => {
    const launch = hostLaunch(request({ permissions: { ...granted, net: true }, sandbox: {} }));
    expect([launch.command, ...launch.args]).toEqual([
      '/usr/local/lib/node/bin/node',
      '--max-old-space-size=256',
      '/opt/reloadd/dist/daemon/worker/hostProcess.js',
    ]);
    expect(launch.bounds).toEqual({ ownProcesses: false, jailed: false, network: true });
  });

  it('refuses to promise no network where no sandbox holds it', () => {
    expect(sandboxRefusal(granted, {})).toMatch(/"net": false.*bubblewrap/);
    expect(sandboxRefusal({ ...granted, net: true }, {})).toBeUndefined();
    expect(sandboxRefusal(granted, { bwrap: 'bwrap' })).toBeUndefined();
  });
});

describe("what a plugin's code may ask of other plugins and of the editor", () => {
  const strict = {
    ...descriptorOf('strict'),
    dependencies: { base: '*' },
    permissions: { ...granted, commands: ['clock.now'], editor: ['getEditorInfo'] },
  };
  it("its own commands and its dependencies' (and their API), and those granted", () => {
    expect(callRefusal(strict, { command: 'strict.go', owner: 'strict' })).toBeUndefined();
    expect(callRefusal(strict, { command: 'base.inc', owner: 'base' })).toBeUndefined();
    expect(callRefusal(strict, { api: 'count', owner: 'base' })).toBeUndefined();
    expect(callRefusal(strict, { command: 'clock.now', owner: 'clock' })).toBeUndefined();
    expect(callRefusal(strict, { editor: 'getEditorInfo' })).toBeUndefined();
  });

  it('refuses the rest, naming the permission and the grant; a plugin without permissions, nothing', () => {
    expect(callRefusal(strict, { command: 'clock.reset', owner: 'clock' })).toMatch(
      /plugin "strict" was denied Command "clock\.reset" .* add "clock" to its "dependencies", or "clock\.reset" to "permissions": \{ "commands"/,
    );
    expect(callRefusal(strict, { api: 'now', owner: 'clock' })).toMatch(
      /was denied API "now" \(plugin "clock's"\)/,
    );
    expect(callRefusal(strict, { editor: 'getBufferText' })).toMatch(
      /was denied Editor "getBufferText" .*"permissions": \{ "editor"/,
    );
    // "constructor" is a plugin id like any other, not something every object has.
    expect(callRefusal(strict, { command: 'constructor.x', owner: 'constructor' })).toMatch(
      /denied/,
    );
    const open = descriptorOf('open');
    expect(callRefusal(open, { command: 'clock.reset', owner: 'clock' })).toBeUndefined();
    expect(callRefusal(open, { editor: 'getBufferText' })).toBeUndefined();
  });
});
