import type { ReloadStatistics } from '../../protocol/index.js';

/** The Red editor plan's "reload statistics": counts and duration percentiles of reloads after startup. */
export class ReloadStats {
  private readonly durations: number[] = [];
  private succeeded = 0;
  private failed = 0;
  /** Enough samples for stable percentiles without growing for ever. */
  private static readonly WINDOW = 1000;

  record(durationMs: number, ok: boolean): void {
    if (ok) this.succeeded += 1;
    else this.failed += 1;
    this.durations.push(durationMs);
    if (this.durations.length > ReloadStats.WINDOW) this.durations.shift();
  }

  summary(): ReloadStatistics {
    const count = this.succeeded + this.failed;
    const sorted = [...this.durations].sort((a, b) => a - b);
    return {
      count,
      succeeded: this.succeeded,
      failed: this.failed,
      successRate: count === 0 ? null : this.succeeded / count,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
    };
  }
}

/** Nearest-rank percentile of an ascending list; null when empty. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}
