import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * Up to this many files are looked at synchronously: a stat is a few microseconds, where a
 * promise's trip through libuv's thread pool costs a fifth of a millisecond on the reload path.
 * More files (a plugin with a large tree) go to the thread pool together, the loop free meanwhile.
 */
const AT_ONCE = 64;

/** Identity, size and modification time of a file; undefined when it is missing or not a file. */
async function fingerprint(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? printOf(info) : undefined;
}

export async function fingerprintAll(
  files: Iterable<string>,
): Promise<Map<string, string | undefined>> {
  const list = [...files];
  if (list.length <= AT_ONCE) return new Map(list.map((file) => [file, fingerprintNow(file)]));
  const prints = await Promise.all(list.map(fingerprint));
  return new Map(list.map((file, i) => [file, prints[i]]));
}

function fingerprintNow(file: string): string | undefined {
  const info = statSync(file, { throwIfNoEntry: false });
  return info?.isFile() ? printOf(info) : undefined;
}

function printOf(info: { ino: number; size: number; mtimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

/** True when any file present in both sets of fingerprints differs between them. */
export function anyMoved(
  before: Map<string, string | undefined>,
  after: Map<string, string | undefined>,
): boolean {
  for (const [file, print] of after) {
    if (before.has(file) && before.get(file) !== print) return true;
  }
  return false;
}
