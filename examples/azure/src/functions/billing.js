// Service Bus batch consumer (`cardinality: 'many'`): `messages()` gives each message of the
// batch its own span, continuing the trace its producer put in the message's `traceparent` or
// `Diagnostic-Id` application property (the Azure SDKs set the latter when tracing is on).
import { app } from '@azure/functions';
import { logger, messages, wrap } from '@fntrace/sdk/azure';

app.serviceBusTopic('billing', {
  topicName: 'order-events',
  subscriptionName: 'billing',
  connection: 'ServiceBusConnection',
  cardinality: 'many',
  handler: wrap(async (batch) => {
    for (const event of messages(batch)) {
      logger.info({ orderId: event.orderId, amount: event.amount }, 'invoice line added');
    }
  }),
});
