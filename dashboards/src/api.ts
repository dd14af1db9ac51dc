/**
 * The collector's query API (same origin). Errors carry the API's message, which says
 * what was wrong with the request.
 *
 * A collector started with `--api-token` answers 401 without it: the shell then asks for
 * the token (TokenPrompt), keeps it in this browser's localStorage and sends it as a bearer
 * token with every call until it is forgotten.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'fntrace.apiToken';

export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Called with the API's message when a call is refused for want of an accepted token. */
const unauthorizedListeners = new Set<(message: string) => void>();
export function onUnauthorized(listener: (message: string) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** One API call: JSON in and out, the stored token sent, an ApiError for any non-2xx answer. */
export async function request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`api/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) {
    const message = out.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401) for (const listener of unauthorizedListeners) listener(message);
    throw new ApiError(res.status, message);
  }
  return out as T;
}

export function get<T = any>(path: string, params?: URLSearchParams | Record<string, string | undefined>): Promise<T> {
  const q =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(
          Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
        );
  const qs = q.toString();
  return request<T>('GET', `${path}${qs ? `?${qs}` : ''}`);
}
