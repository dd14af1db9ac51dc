/**
 * The collector's query API (same origin). Errors carry the API's message, which says
 * what was wrong with the request.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function get<T = any>(
  path: string,
  params?: URLSearchParams | Record<string, string | undefined>,
): Promise<T> {
  const q =
    params instanceof URLSearchParams
      ? params
      : new URLSearchParams(
          Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
        );
  const qs = q.toString();
  const res = await fetch(`api/${path}${qs ? `?${qs}` : ''}`);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}
