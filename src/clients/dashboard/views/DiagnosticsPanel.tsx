import type { Diagnostic } from '../../../protocol/index.js';
import { UNLOAD_CODES } from '../model/dashboardState.js';
import { shortPath } from '../model/format.js';

interface Props {
  diagnostics: ReadonlyMap<string, readonly Diagnostic[]>;
  pluginId: string | undefined;
  pluginsDir: string | undefined;
  onShowAll(): void;
}

/**
 * What is wrong, as the daemon last published it (each plugin's list replaces its previous one):
 * problems with the code, with their place and code frame; then, apart, what an unloaded
 * generation left behind.
 */
export function DiagnosticsPanel({ diagnostics, pluginId, pluginsDir, onShowAll }: Props) {
  const all = [...diagnostics.entries()]
    .filter(([id]) => !pluginId || id === pluginId)
    .flatMap(([, list]) => list);
  const problems = all.filter((d) => !UNLOAD_CODES.has(d.code));
  const unload = all.filter((d) => UNLOAD_CODES.has(d.code));
  return (
    <section class="diagnostics" aria-label="Diagnostics">
      <header class="panel-head">
        <h2>Diagnostics{pluginId ? ` of ${pluginId}` : ''}</h2>
        {pluginId && (
          <button type="button" onClick={onShowAll}>
            All plugins
          </button>
        )}
      </header>
      {problems.length === 0 ? (
        <p class="muted">No problems.</p>
      ) : (
        <ul class="diagnostic-list">
          {problems.map((d, i) => (
            <DiagnosticItem key={i} diagnostic={d} pluginsDir={pluginsDir} />
          ))}
        </ul>
      )}
      <h3>Left behind at unload</h3>
      {unload.length === 0 ? (
        <p class="muted">Nothing: every unloaded generation let go of what it registered.</p>
      ) : (
        <ul class="diagnostic-list unload">
          {unload.map((d, i) => (
            <DiagnosticItem key={i} diagnostic={d} pluginsDir={pluginsDir} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DiagnosticItem({
  diagnostic: d,
  pluginsDir,
}: {
  diagnostic: Diagnostic;
  pluginsDir: string | undefined;
}) {
  const where =
    d.file &&
    `${shortPath(d.file, pluginsDir)}${d.range ? `:${d.range.start.line + 1}:${d.range.start.character + 1}` : ''}`;
  return (
    <li class={`diagnostic sev-${d.severity}`} data-code={d.code}>
      <div class="diagnostic-head">
        <span class={`severity sev-${d.severity}`}>{d.severity}</span>
        <span class="plugin">{d.pluginId}</span>
        <code>{d.code}</code>
        {where && <span class="where">{where}</span>}
      </div>
      <p class="message">{d.message}</p>
      {d.codeFrame && <pre class="code-frame">{d.codeFrame}</pre>}
    </li>
  );
}
