import { describe, expect, it } from 'vitest';
import { DaemonStatus } from '../../../src/protocol/index.js';
import { startDaemon } from '../../helpers/daemonProcess.js';
import { greeterFolder, typeErrors } from '../../helpers/pluginSource.js';
import { typeChecksAtDaemonPriority } from '../../helpers/typeCheckPriority.js';

describe('reloadd serve and type checks', () => {
  it('type-checks a TypeScript plugin by default, and --no-typecheck checks none', async () => {
    const [checked, unchecked] = await Promise.all([
      greeterFolder("'zero'"),
      greeterFolder("'zero'"),
    ]);
    const [on, off] = await Promise.all([
      startDaemon(checked.dir, { expectPlugins: 1 }),
      startDaemon(unchecked.dir, { args: ['--no-typecheck'], expectPlugins: 1 }),
    ]);
    const stopRaising = typeChecksAtDaemonPriority(on.child.pid ?? 0);
    try {
      // The built daemon finds its type-check thread and reloadd/plugin's declaration.
      const published = await on.diagnostics.waitFor((p) => typeErrors(p.diagnostics).length > 0, {
        what: 'the type error',
      });
      expect(typeErrors(published.diagnostics)).toMatchObject([
        {
          pluginId: 'greeter',
          severity: 'warning',
          file: checked.entry,
          message: "TS2322: Type 'string' is not assignable to type 'number'.",
          range: { start: { line: 6, character: 21 } },
        },
      ]);
      expect((await on.client.request(DaemonStatus, {})).typecheck).toBe('on');
      expect((await off.client.request(DaemonStatus, {})).typecheck).toBe('off');
      // The same plugin, loaded at the same time: one daemon has told its type error, the
      // other none.
      expect(typeErrors(off.diagnostics.all.flatMap((p) => p.diagnostics))).toEqual([]);
      expect(off.stderr()).not.toContain('type check');
    } finally {
      stopRaising();
      await Promise.all([on.stop(), off.stop()]);
    }
  });
});
