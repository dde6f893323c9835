#!/usr/bin/env node
// `npm run build`, after tsc: the JSON Schemas of the config file and of a plugin's manifest,
// generated from the zod schemas the daemon checks them with (one declaration, two uses), into
// dist/schemas/ (shipped with the package). An editor that is pointed at them completes and
// checks reloadd.json, reloadd.toml and plugin.json as they are typed (docs/configuration.md,
// "JSON Schemas, for an editor").
import { mkdir, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigSchema } from '../dist/daemon/config/configSchema.js';
import { ManifestSchema } from '../dist/daemon/plugins/manifest.js';

const schemas = {
  'config.schema.json': {
    schema: ConfigSchema,
    title:
      'reloadd configuration (reloadd.json, reloadd.toml, the [dev] section of config.toml, or --config FILE)',
  },
  'plugin.schema.json': {
    schema: ManifestSchema,
    title: 'reloadd plugin manifest (plugin.json, or the "reloadd" key of package.json)',
  },
};

await mkdir(new URL('../dist/schemas/', import.meta.url), { recursive: true });
for (const [file, { schema, title }] of Object.entries(schemas)) {
  // What a person writes (the input), before defaults and transforms apply.
  const json = { title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) };
  await writeFile(
    new URL(`../dist/schemas/${file}`, import.meta.url),
    `${JSON.stringify(json, null, 2)}\n`,
  );
}
