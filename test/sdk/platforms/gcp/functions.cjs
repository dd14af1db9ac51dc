// Functions for @google-cloud/functions-framework, each wrapped with the one import. The
// tests serve them with the framework's own CLI (examples/gcp/serve-local.mjs), one process each.
const { correlationId, logger, traceHeaders, wrap } = require('@fntrace/sdk/gcp');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// HTTP: answers with what the function saw; ?status=, ?fail=throw|after-headers, ?sleepMs= change that
exports.httpFn = wrap(async (req, res) => {
  logger.info({ path: req.path }, 'handling');
  if (req.query.sleepMs) await sleep(Number(req.query.sleepMs));
  if (req.query.fail === 'throw') throw new Error('order rejected');
  if (req.query.fail === 'after-headers') {
    res.write('partial');
    throw new Error('failed mid-answer');
  }
  const status = Number(req.query.status ?? 200);
  logger.warn({ status }, 'answering');
  res.status(status).json({ correlationId: correlationId(), headers: traceHeaders() });
});

// CloudEvent: logs the event; a message attribute `fail` makes it throw
exports.eventFn = wrap(async (cloudEvent) => {
  logger.info({ type: cloudEvent.type }, 'event received');
  if (cloudEvent.data?.message?.attributes?.fail) throw new Error('event rejected');
});

// CloudEvent, callback style (two parameters: the framework passes a callback)
exports.callbackEventFn = wrap((cloudEvent, callback) => {
  logger.info({ type: cloudEvent.type }, 'callback event');
  setTimeout(() => callback(null), 5);
});

// a first-generation event function, (data, context)
exports.legacyEventFn = wrap(async (_data, context) => {
  logger.info({ eventType: context.eventType }, 'legacy event');
});
