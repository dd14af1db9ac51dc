// An HTTP function that publishes to Pub/Sub with the real client, as an ES module: fntrace finds
// the client's library in Node's module loader by itself (no instrument() call).

import { logger, wrap } from '@fntrace/sdk/gcp';
import { PubSub } from '@google-cloud/pubsub';

const pubsub = new PubSub();
const OWN_CONTEXT = '00-11111111111111111111111111111111-2222222222222222-01';

export const publishFn = wrap(async (req, res) => {
  const topic = pubsub.topic(req.body.topic);
  logger.info({ topic: req.body.topic }, 'publishing');
  const ordered = await topic.publishMessage({ json: req.body.order, attributes: { source: 'orders-api' } });
  // a message that already carries a context is sent as it was made
  const own = await topic.publishMessage({ data: Buffer.from('own'), attributes: { traceparent: OWN_CONTEXT } });
  // callback style, through publish()
  const called = await new Promise((resolve, reject) =>
    topic.publish(Buffer.from('callback'), { kind: 'callback' }, (err, id) => (err ? reject(err) : resolve(id))),
  );
  res.json({ ids: [ordered, own, called] });
});
