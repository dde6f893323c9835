import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/daemon/config/configSchema.js';
import { resolveServeSettings } from '../../../src/daemon/config/serveSettings.js';
import { ManifestSchema } from '../../../src/daemon/plugins/manifest.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { ROOT } from '../../helpers/paths.js';

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

  it('validate every example manifest, as the daemon reads it, and reject a wrong one', async () => {
    const validate = new Ajv2020({ allErrors: true }).compile(await shipped('plugin.schema.json'));
    const manifests = await exampleManifests();
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, manifest } of manifests)
      expect(validate(manifest) ? [] : [file, validate.errors], file).toEqual([]);
    const good = manifests[0]?.manifest as Record<string, unknown>;
    const wrong = [
      { ...good, isolation: 'sandbox' },
      { ...good, stateVersion: -1 },
      { ...good, id: '../escape' },
      { ...good, capabilities: { supportsHotReload: true, reloadOnFocus: true } },
      { ...good, dependencies: { base: 2 } },
    ];
    for (const manifest of wrong) {
      expect(validate(manifest), JSON.stringify(manifest)).toBe(false);
      // The schema and the daemon say the same of it.
      expect(ManifestSchema.safeParse(manifest).success).toBe(false);
    }
  });

  it("validate a config file with reloadd's keys and the Red editor's, and reject a wrong key or value", async () => {
    const validate = new Ajv2020({ allErrors: true }).compile(await shipped('config.schema.json'));
    const good = {
      $schema: './node_modules/reloadd/dist/schemas/config.schema.json',
      plugins: 'plugins',
      hot_reload: true,
      hot_reload_delay: 100,
      hot_reload_watch: ['*.js', '*.ts', 'package.json'],
      hot_reload_notifications: false,
      notifySuccess: true,
      isolation: 'process',
    };
    expect(validate(good) ? [] : validate.errors).toEqual([]);
    expect(ConfigSchema.safeParse(good).success).toBe(true);
    for (const wrong of [
      { ...good, debounce: 5 },
      { ...good, hot_reload_delay: 'fast' },
      { ...good, hot_reload_delay: 1.5 },
      { ...good, isolation: 'sandbox' },
      { ...good, hot_reload_watch: ['*.js', ''] },
    ]) {
      expect(validate(wrong), JSON.stringify(wrong)).toBe(false);
      expect(ConfigSchema.safeParse(wrong).success).toBe(false);
    }
  });
});

/** The manifests of the bundled examples: each plugin.json, and the "reloadd" key of a package.json. */
async function exampleManifests(): Promise<{ file: string; manifest: unknown }[]> {
  const found: { file: string; manifest: unknown }[] = [];
  const examples = path.join(ROOT, 'examples');
  for (const group of await readdir(examples, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const plugin of await readdir(path.join(examples, group.name), { withFileTypes: true })) {
      if (!plugin.isDirectory()) continue;
      const dir = path.join(examples, group.name, plugin.name);
      const read = (name: string) =>
        readFile(path.join(dir, name), 'utf8').then(
          (text) => JSON.parse(text) as Record<string, unknown>,
          () => undefined,
        );
      const pluginJson = await read('plugin.json');
      const packageJson = pluginJson ? undefined : await read('package.json');
      if (pluginJson) found.push({ file: path.join(dir, 'plugin.json'), manifest: pluginJson });
      else if (packageJson?.reloadd)
        found.push({ file: path.join(dir, 'package.json'), manifest: packageJson.reloadd });
    }
  }
  return found;
}
