const WIDTH = 80;
const HEIGHT = 20;

/**
 * The last reloads of one plugin as a small line, tallest at its slowest: a slow reload among
 * quick ones is seen at a glance. Hand-drawn SVG: no chart library for one polyline.
 */
export function DurationChart({ durations, label }: { durations: number[]; label: string }) {
  if (durations.length === 0) return <span class="muted">–</span>;
  const max = Math.max(...durations, 1);
  const step = durations.length > 1 ? WIDTH / (durations.length - 1) : 0;
  const points = durations
    .map((d, i) => `${(i * step).toFixed(1)},${(HEIGHT - 1 - (d / max) * (HEIGHT - 2)).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      class="chart"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`${label}: ${durations.length} reloads, slowest ${Math.round(max)} ms`}
    >
      <title>{`slowest ${max.toFixed(1)} ms of ${durations.length}`}</title>
      {durations.length === 1 ? (
        <circle cx="2" cy={HEIGHT / 2} r="2" />
      ) : (
        <polyline points={points} />
      )}
    </svg>
  );
}
