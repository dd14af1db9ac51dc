// The handler module of the stock OpenTelemetry variant of sdk-overhead: the
// `@opentelemetry/instrumentation-aws-lambda` patches `handler` when this file is
// required, as LAMBDA_TASK_ROOT and _HANDLER name it.
const { makeHandler } = require('./handler-body.cjs');
const { stockLogger } = require('./stock-logger.cjs');

exports.handler = makeHandler(stockLogger());
