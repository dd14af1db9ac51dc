import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized, storedToken, storeToken } from './api.js';
import { FiringBadge, useFiringCount } from './components/firing-count.js';
import { TraceByPrefix, TraceIdBox } from './components/trace-id-box.js';
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

/** The pages, with how many alerts are firing beside "Alerts". */
function MainNav({ page }: { page: string }) {
  const count = useFiringCount(page);
  return (
    <nav aria-label="Main">
      {NAV.map(([id, label]) => (
        <a key={id} href={href(id)} aria-current={page === id ? 'page' : undefined}>
          {label}
          {id === 'alerts' && <FiringBadge {...count} />}
        </a>
      ))}
    </nav>
  );
}

/**
 * Shown instead of the page when the collector refused an API call for want of a token
 * (`--api-token`): the token entered is kept in this browser and the page loads again.
 */
function TokenPrompt({ rejected, onToken }: { rejected: boolean; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <section class="page token-page">
      <h1>This collector needs an API token</h1>
      {rejected && (
        <p class="error" role="alert">
          The token given is not one this collector accepts.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label>
          API token{' '}
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </label>{' '}
        <button type="submit" disabled={!value.trim()}>
          Open the dashboard
        </button>
      </form>
      <p class="hint">
        Whoever runs the collector has it (<code>--api-token</code> or <code>FNTRACE_API_TOKEN</code>). This browser
        keeps it until you choose Forget token.
      </p>
    </section>
  );
}

export function App() {
  const route = useRoute();
  const page = route.page === 'trace' ? 'traces' : route.page;
  // refused: the API answered 401; generation remounts the page, so that it loads again, once a
  // token is entered or forgotten (both re-render, so the stored token is read as it is now)
  const [refused, setRefused] = useState(false);
  const [generation, setGeneration] = useState(0);
  const hasToken = storedToken() !== undefined;
  useEffect(() => onUnauthorized(() => setRefused(true)), []);
  const applyToken = (token: string | undefined) => {
    storeToken(token);
    setRefused(false);
    setGeneration((g) => g + 1);
  };
  return (
    <div class="shell">
      <header>
        <a class="brand" href={href('traces')}>
          fntrace
        </a>
        {refused ? (
          <nav aria-label="Main">
            {NAV.map(([id, label]) => (
              <a key={id} href={href(id)} aria-current={page === id ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        ) : (
          <MainNav key={generation} page={page} />
        )}
        {!refused && <TraceIdBox page={`${route.page}/${route.rest.join('/')}`} />}
        {hasToken && (
          <button type="button" class="forget-token" onClick={() => applyToken(undefined)}>
            Forget token
          </button>
        )}
      </header>
      <main key={generation}>
        {refused ? (
          <TokenPrompt rejected={hasToken} onToken={applyToken} />
        ) : route.page === 'trace' && route.rest[0] ? (
          route.rest[0].length === 32 ? (
            <TracePage traceId={route.rest[0].toLowerCase()} params={route.params} />
          ) : (
            <TraceByPrefix prefix={route.rest[0]} params={route.params} />
          )
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
