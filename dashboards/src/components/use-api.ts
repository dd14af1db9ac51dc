import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';

/** Load an API resource; reloads when `path` or the query changes. */
export function useApi<T>(path: string | undefined, query: string): { data?: T; error?: string; loading: boolean } {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(path, new URLSearchParams(query))
      .then((data) => live && setState({ data, loading: false }))
      .catch((err: Error) => live && setState({ error: err.message, loading: false }));
    return () => {
      live = false;
    };
  }, [path, query]);
  return state;
}
