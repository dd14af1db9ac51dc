// Netlify Functions: the default export is called with (request, context); fntrace hands its
// export to context.waitUntil, so the response does not wait for it.
export { default } from '../../orders.mjs';

export const config = { path: '/api/orders' };
