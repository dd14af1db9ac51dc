// The one handler body every variant of the runtime benches runs: three log lines and an
// HTTP result. `onReturn` (optional) is called just before the handler returns.
exports.makeHandler = (logger, onReturn) =>
  async function handler(event, ctx) {
    logger.info({ orderId: event.pathParameters?.id, route: event.routeKey }, 'order requested');
    logger.info({ items: 3, requestId: ctx.awsRequestId }, 'order loaded');
    logger.info('responding');
    onReturn?.();
    return { statusCode: 200 };
  };
