import { existsSync } from 'node:fs';
import { CLI_PATH } from './paths.js';

export default function setup(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(
      `${CLI_PATH} is missing: end-to-end tests run the built daemon; run "npm run build" (npm test does)`,
    );
  }
}
