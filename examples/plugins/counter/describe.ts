/** A helper module: editing it reloads the counter plugin too (it is part of its bundle). */
export function describe(count: number, since: Date): string {
  const seconds = Math.round((Date.now() - since.getTime()) / 1000);
  return `${count} (since ${seconds}s ago)`;
}
