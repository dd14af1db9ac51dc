// sdk-coldstart entry (reference row): a handler that logs with pino and nothing else.
import pino from 'pino';

const logger = pino(pino.destination({ dest: 1, sync: true }));

export const handler = async (event) => {
  logger.info({ path: event?.rawPath }, 'hello');
  return { statusCode: 200 };
};
