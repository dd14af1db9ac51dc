import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/traces?service=x`): the dashboard is static files behind the collector,
 * so the hash keeps every view — filters included — in a URL that can be shared.
 */
export interface Route {
  page: string;
  /** Path segments after the page, e.g. the trace id of `#/trace/<id>`. */
  rest: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = h.split('?');
  const [page = 'traces', ...rest] = path.split('/').filter(Boolean);
  return { page: page || 'traces', rest: rest.map(decodeURIComponent), params: new URLSearchParams(query) };
}

export function href(
  page: string,
  params?: Record<string, string | undefined> | URLSearchParams,
  ...rest: string[]
): string {
  const q =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(
          Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
        );
  const path = [page, ...rest.map(encodeURIComponent)].join('/');
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
