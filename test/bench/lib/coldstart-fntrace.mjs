// sdk-coldstart entry: fntrace as a user deploys it, `wrap` and `logger` around a trivial handler.
import { logger, wrap } from '../../../sdk/src/index.ts';

export const handler = wrap(async (event) => {
  logger.info({ path: event?.rawPath }, 'hello');
  return { statusCode: 200 };
});
