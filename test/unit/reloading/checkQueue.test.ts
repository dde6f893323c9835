import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkAnswered,
  checkForgotten,
  checkRequested,
  isTypeScriptPlugin,
  NO_CHECKS,
  nextCheck,
} from '../../../src/daemon/typechecking/checkQueue.js';
import { projectCompiler } from '../../../src/daemon/typechecking/TypeChecks.js';
import { editFile, tempDir } from '../../helpers/files.js';

describe('the type-check queue', () => {
  it('checks each plugin once however many saves ask, oldest request first', () => {
    let queue = checkRequested(NO_CHECKS, 'a');
    queue = checkRequested(queue, 'b');
    queue = checkRequested(queue, 'a');
    expect(queue.waiting).toEqual(['a', 'b']);
    const first = nextCheck(queue, 1);
    expect(first.started).toEqual({ check: 1, pluginId: 'a', dropped: false });
    // One check at a time: b waits until a's is answered.
    expect(nextCheck(first.queue, 2).started).toBeUndefined();
    const answered = checkAnswered(first.queue, 1);
    expect(answered.publish).toBe(true);
    expect(nextCheck(answered.queue, 2).started).toEqual({
      check: 2,
      pluginId: 'b',
      dropped: false,
    });
  });

  it('drops a check that a newer save of its plugin overtakes, and checks the plugin again', () => {
    const running = nextCheck(checkRequested(NO_CHECKS, 'a'), 1).queue;
    const saved = checkRequested(running, 'a');
    expect(saved.running).toEqual({ check: 1, pluginId: 'a', dropped: true });
    expect(saved.waiting).toEqual(['a']);
    const answered = checkAnswered(saved, 1);
    expect(answered.publish).toBe(false);
    expect(nextCheck(answered.queue, 2).started).toEqual({
      check: 2,
      pluginId: 'a',
      dropped: false,
    });
  });

  it("leaves another plugin's check alone, and drops a gone plugin's", () => {
    const running = nextCheck(checkRequested(NO_CHECKS, 'a'), 1).queue;
    expect(checkRequested(running, 'b').running?.dropped).toBe(false);
    const gone = checkForgotten(checkRequested(running, 'b'), 'a');
    expect(gone).toEqual({ waiting: ['b'], running: { check: 1, pluginId: 'a', dropped: true } });
    // An answer to a check that is not the one running is no answer.
    expect(checkAnswered(running, 7)).toEqual({ queue: running, publish: false });
  });

  it('takes a plugin for TypeScript by its entry or a file its bundle reads, never a declaration', () => {
    expect(isTypeScriptPlugin('/p/a/index.ts', [])).toBe(true);
    expect(isTypeScriptPlugin('/p/a/index.js', ['/p/a/util.mts'])).toBe(true);
    expect(isTypeScriptPlugin('/p/a/view.tsx', [])).toBe(true);
    expect(isTypeScriptPlugin('/p/a/index.js', ['/p/a/types.d.ts', '/p/a/util.js'])).toBe(false);
  });
});

describe('projectCompiler', () => {
  it("finds the TypeScript of the plugins' project, from their folder up, and none where there is none", async () => {
    const project = await tempDir();
    await editFile(
      path.join(project, 'node_modules', 'typescript', 'package.json'),
      JSON.stringify({ name: 'typescript', main: 'lib/typescript.js' }),
    );
    await editFile(path.join(project, 'node_modules', 'typescript', 'lib', 'typescript.js'), '');
    const plugins = path.join(project, 'editor', 'plugins');
    await mkdir(plugins, { recursive: true });
    expect(projectCompiler(plugins)).toBe(
      pathToFileURL(path.join(project, 'node_modules', 'typescript', 'lib', 'typescript.js')).href,
    );
    expect(projectCompiler(await tempDir())).toBeUndefined();
  });
});
