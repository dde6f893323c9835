import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginExecuteCommand } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';

/** A plugin that reads a template at run time: the file is in no bundle, only in `watch`. */
const PAGE = `const fs = require('node:fs');
const path = require('node:path');
exports.activate = (ctx) => {
  ctx.commands.register('page.render', () =>
    fs.readFileSync(path.join(__dirname, 'templates', 'page.html'), 'utf8'));
};`;

describe('watch patterns', () => {
  it('reloads a plugin when a file it reads at run time changes, and never for an ignored one', async () => {
    const dir = await tempDir();
    const template = path.join(dir, 'page', 'templates', 'page.html');
    const generated = path.join(dir, 'page', 'generated', 'out.js');
    await editFile(
      path.join(dir, 'page', 'plugin.json'),
      JSON.stringify({ id: 'page', main: 'index.js', watch: ['templates/*.html'] }),
    );
    await editFile(path.join(dir, 'page', 'index.js'), PAGE);
    await editFile(template, '<h1>one</h1>');
    // The Red editor's list watches every .js file; the generated folder is ignored all the same.
    const d = await connectInMemory(dir, {
      expectPlugins: 1,
      pluginPolicy: { watch: ['*.js', '*.ts', 'package.json'] },
      ignore: ['*/generated'],
    });
    const render = () => d.client.request(PluginExecuteCommand, { command: 'page.render' });
    expect(await render()).toBe('<h1>one</h1>');
    const mark = d.reloads.mark;
    await editFile(generated, 'module.exports = 1;');
    await editFile(template, '<h1>two</h1>');
    const reload = await d.reloads.waitFor((r) => r.id === 'page' && r.trigger === 'file', {
      from: mark,
    });
    expect(reload).toMatchObject({ ok: true, generation: 2, changedFiles: [template] });
    expect(await render()).toBe('<h1>two</h1>');
    const since = d.reloads.all.slice(mark);
    expect(since.flatMap((r) => r.changedFiles ?? [])).not.toContain(generated);
  });
});
