import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { FIXTURES } from './paths.js';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp folder, removed after the test file. */
export async function tempDir(prefix = 'reloadd-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes a file (and its folders), as an editor's plain save does. */
export async function editFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Saves the way many editors do: write a temp file beside it, then rename over it. */
export async function editFileAtomically(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, content);
  await rename(temp, file);
}

/** Copies test/fixtures/<name> (a file or a folder) into `dir`, under `as` if given. */
export async function copyFixture(name: string, dir: string, as = name): Promise<string> {
  const target = path.join(dir, as);
  await cp(path.join(FIXTURES, name), target, { recursive: true });
  return target;
}
