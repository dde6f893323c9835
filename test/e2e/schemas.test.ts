import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, resolveServeSettings } from '../../src/daemon/config.js';
import { editFile, tempDir } from '../helpers/files.js';
import { ROOT } from '../helpers/paths.js';

/** The JSON Schemas `npm run build` ships (dist/schemas), for editors to check the files with. */
const shipped = async (file: string) =>
  JSON.parse(await readFile(path.join(ROOT, 'dist', 'schemas', file), 'utf8')) as {
    properties: Record<string, { enum?: string[] }>;
    additionalProperties?: boolean;
  };

describe('the shipped JSON Schemas', () => {
  it('describe every key of the config file, and no other', async () => {
    const schema = await shipped('config.schema.json');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
    expect(schema.additionalProperties).toBe(false);
  });

  it("describe a plugin's manifest, with its choices", async () => {
    const schema = await shipped('plugin.schema.json');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'id',
        'main',
        'version',
        'dependencies',
        'isolation',
        'stateVersion',
        'verify',
      ]),
    );
    expect(schema.properties.isolation?.enum).toEqual(['shared', 'dedicated', 'process']);
  });

  it('let a config file name its schema: the daemon reads it all the same', async () => {
    const dir = await tempDir();
    await editFile(
      path.join(dir, 'reloadd.json'),
      JSON.stringify({
        $schema: './node_modules/reloadd/dist/schemas/config.schema.json',
        plugins: 'p',
      }),
    );
    const settings = await resolveServeSettings({ config: 'reloadd.json' }, dir);
    expect(settings.pluginsDir).toBe(path.join(dir, 'p'));
  });
});
