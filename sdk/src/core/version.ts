/** Kept in step with sdk/package.json by a test. */
export const VERSION = '0.1.0';
