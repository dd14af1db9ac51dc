// Vercel Functions: a file in api/ that exports a handler per HTTP method serves /api/orders.
// fntrace hands its export to Vercel's waitUntil (the request context that @vercel/functions
// reads), so the response does not wait for it.
export { default as POST } from '../orders.mjs';
