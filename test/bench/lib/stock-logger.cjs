// pino as it is usually set up next to the stock OpenTelemetry SDK: a synchronous
// destination to fd 1 and a mixin that adds the active span's ids to every line.
const { context, trace } = require('@opentelemetry/api');
const pino = require('pino');

exports.stockLogger = () =>
  pino(
    {
      mixin() {
        const span = trace.getSpan(context.active());
        if (!span) return {};
        const { traceId, spanId, traceFlags } = span.spanContext();
        return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags };
      },
    },
    pino.destination({ dest: 1, sync: true }),
  );
