import { AlertsPage } from './pages/alerts.js';
import { LogsPage } from './pages/logs.js';
import { MapPage } from './pages/map.js';
import { ServicesPage } from './pages/services.js';
import { TracePage } from './pages/trace.js';
import { TracesPage } from './pages/traces.js';
import { href, useRoute } from './router.js';

/** The shell: navigation and the page the hash names. */
const NAV = [
  ['traces', 'Traces'],
  ['services', 'Services'],
  ['map', 'Map'],
  ['logs', 'Logs'],
  ['alerts', 'Alerts'],
] as const;

export function App() {
  const route = useRoute();
  const page = route.page === 'trace' ? 'traces' : route.page;
  return (
    <div class="shell">
      <header>
        <a class="brand" href={href('traces')}>
          fntrace
        </a>
        <nav aria-label="Main">
          {NAV.map(([id, label]) => (
            <a key={id} href={href(id)} aria-current={page === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {route.page === 'trace' && route.rest[0] ? (
          <TracePage traceId={route.rest[0]} params={route.params} />
        ) : route.page === 'services' ? (
          <ServicesPage params={route.params} />
        ) : route.page === 'map' ? (
          <MapPage params={route.params} />
        ) : route.page === 'logs' ? (
          <LogsPage params={route.params} />
        ) : route.page === 'alerts' ? (
          <AlertsPage params={route.params} />
        ) : route.page === 'traces' ? (
          <TracesPage params={route.params} />
        ) : (
          <section class="page">
            <p class="empty">
              There is no page <code>#/{route.page}</code>. <a href={href('traces')}>Search traces</a>
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
