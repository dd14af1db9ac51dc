// An HTTP function that loads the Pub/Sub client only inside its first invocation — after fntrace
// looked for it — so its publishes carry context only once the client is handed to instrument().
const { instrument, wrap } = require('@fntrace/sdk/gcp');

exports.lazyPublishFn = wrap(async (req, res) => {
  const { PubSub } = require('@google-cloud/pubsub');
  const pubsub = req.query.instrument ? instrument(new PubSub()) : new PubSub();
  const id = await pubsub.topic('lazy').publishMessage({ data: Buffer.from(String(req.query.instrument ?? 'no')) });
  res.json({ id });
});
