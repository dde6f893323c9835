import type { DaemonStatusResult } from '../model/dashboardState.js';
import { bytes, duration, ms, percent } from '../model/format.js';

/** The daemon itself: what runs, how reloads have gone, who is connected, what memory it holds. */
export function DaemonPanel({ status }: { status: DaemonStatusResult | undefined }) {
  if (!status)
    return (
      <section class="daemon" aria-label="Daemon">
        <h2>Daemon</h2>
        <p class="muted">Waiting for the daemon's status…</p>
      </section>
    );
  const { plugins, reloads, memory } = status;
  return (
    <section class="daemon" aria-label="Daemon">
      <h2>Daemon</h2>
      <dl class="facts">
        <dt>Version</dt>
        <dd>
          reloadd {status.version}, pid {status.pid}
        </dd>
        <dt>Up for</dt>
        <dd>{duration(status.uptimeMs)}</dd>
        <dt>Plugins</dt>
        <dd>
          {plugins.total} ({plugins.active} active, {plugins.failed} failed, {plugins.disabled}{' '}
          disabled, {plugins.loading} loading)
        </dd>
        <dt>Reloads</dt>
        <dd>
          {reloads.count} ({reloads.failed} failed), success {percent(reloads.successRate)}, p50{' '}
          {ms(reloads.p50Ms)}, p95 {ms(reloads.p95Ms)}
        </dd>
        <dt>Watching</dt>
        <dd>
          {status.pluginsDir}; debounce {status.debounceMs} ms
          {status.pollMs !== null ? `, polling every ${status.pollMs} ms` : ''}
        </dd>
        <dt>Memory</dt>
        <dd>
          {bytes(memory.rssBytes)} resident, daemon heap {bytes(memory.heapUsedBytes)}
        </dd>
      </dl>
      <h3>Plugin hosts</h3>
      <table class="hosts">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Plugins</th>
            <th scope="col" class="num">
              Heap
            </th>
            <th scope="col" class="num">
              Outside heap
            </th>
            <th scope="col" class="num">
              Own process
            </th>
          </tr>
        </thead>
        <tbody>
          {memory.hosts.map((h) => (
            <tr key={h.name}>
              <th scope="row">{h.name}</th>
              <td>{h.plugins.join(', ')}</td>
              <td class="num">{h.heapUsedBytes === undefined ? 'busy' : bytes(h.heapUsedBytes)}</td>
              <td class="num">{bytes(h.externalBytes)}</td>
              <td class="num">{h.rssBytes === undefined ? '–' : bytes(h.rssBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Clients</h3>
      <ul class="clients">
        {status.clients.map((c) => (
          <li key={c.id}>
            #{c.id} {c.name ?? 'unnamed'} over {c.transport}
          </li>
        ))}
      </ul>
    </section>
  );
}
