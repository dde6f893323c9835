import { stat } from 'node:fs/promises';

/** Identity, size and modification time of a file; undefined when it is missing or not a file. */
export async function fingerprint(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? `${info.ino}:${info.size}:${info.mtimeMs}` : undefined;
}

export async function fingerprintAll(
  files: Iterable<string>,
): Promise<Map<string, string | undefined>> {
  const list = [...files];
  const prints = await Promise.all(list.map(fingerprint));
  return new Map(list.map((file, i) => [file, prints[i]]));
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
