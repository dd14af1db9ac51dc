// The handler module of the like-for-like stock variant of sdk-overhead: plain pino with a
// synchronous destination to fd 1, as a user writes it; @opentelemetry/instrumentation-pino
// (registered before this file is required) adds the trace-id fields to each line and sends
// each record to the OpenTelemetry logs SDK too.
const pino = require('pino');
const { makeHandler } = require('./handler-body.cjs');

exports.handler = makeHandler(pino(pino.destination({ dest: 1, sync: true })));
