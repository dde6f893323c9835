import { createRequire } from 'node:module';

// Read from package.json at run time so that the version is declared in one place.
const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const VERSION: string = pkg.version;
