/** How the dashboard writes figures: short, with their unit, the way the CLI writes them. */

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 10_000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(1)} s`;
}

export function bytes(value: number | undefined): string {
  if (value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = value;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n < 10 && unit > 0 ? n.toFixed(1) : Math.round(n)} ${units[unit]}`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '–' : `${Math.round(rate * 100)}%`;
}

/** One formatter for the page: toLocaleTimeString builds a new one at every call, which is slow. */
const TIME_OF_DAY = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** "12:03:45": the time of day, which is what a person compares with their last save. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : TIME_OF_DAY.format(date);
}

export function duration(totalMs: number): string {
  const s = Math.floor(totalMs / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

/** A path as the author knows it: from the plugins folder down, when it is inside it. */
export function shortPath(file: string, pluginsDir: string | undefined): string {
  if (pluginsDir && file.startsWith(`${pluginsDir}/`)) return file.slice(pluginsDir.length + 1);
  return file;
}
