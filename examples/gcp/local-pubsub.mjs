// A stand-in for Google Cloud Pub/Sub on 127.0.0.1 that the real `@google-cloud/pubsub` client
// talks to (PUBSUB_EMULATOR_HOST=<host:port>): the gRPC `google.pubsub.v1.Publisher/Publish`
// method, served with @grpc/grpc-js from the protos the client ships. Each message gets an id,
// is kept in `messages`, and is pushed to the topic's push subscriptions the way Eventarc
// delivers Pub/Sub to a CloudEvent function: a binary-mode CloudEvent
// (`google.cloud.pubsub.topic.v1.messagePublished`, `ce-*` headers) whose body is the push
// envelope `{ message, subscription }`. One delivery per message, no retries.
//
//   const pubsub = await startLocalPubSub();
//   pubsub.subscribePush('orders', 'http://127.0.0.1:8081/', 'order-events');
//   env: PUBSUB_EMULATOR_HOST=pubsub.host, PUBSUB_PROJECT_ID=pubsub.project
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// the gRPC and proto loader copies the Pub/Sub client itself uses (its google-gax's)
const pubsubMain = createRequire(import.meta.url).resolve('@google-cloud/pubsub');
const gaxMain = createRequire(pubsubMain).resolve('google-gax');
const gaxRequire = createRequire(gaxMain);
const grpc = gaxRequire('@grpc/grpc-js');
const protoLoader = gaxRequire('@grpc/proto-loader');
// <package>/build/src/index.js → <package>/build/protos
const PUBSUB_PROTOS = join(dirname(pubsubMain), '../protos');
const GAX_PROTOS = join(dirname(gaxMain), '../protos');

function loadPublisher() {
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [PUBSUB_PROTOS, GAX_PROTOS],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).google.pubsub.v1.Publisher.service;
}

/**
 * @param {{ project?: string }} [options]
 * @returns {Promise<{
 *   host: string, project: string,
 *   messages: { topic: string, messageId: string, data: Buffer, attributes: Record<string, string>, orderingKey: string, publishTime: string }[],
 *   deliveries: { subscription: string, messageId: string, status: number | string }[],
 *   subscribePush(topic: string, endpoint: string, subscription?: string): void,
 *   idle(): Promise<void>,
 *   close(): Promise<void>,
 * }>}
 */
export async function startLocalPubSub({ project = 'local-project' } = {}) {
  const messages = [];
  const deliveries = [];
  const pushes = new Map(); // topic id -> [{ endpoint, subscription }]
  const pending = new Set();
  let next = 1;

  const deliver = (topicName, message, sub) => {
    const body = JSON.stringify({
      message: {
        attributes: message.attributes,
        data: message.data.toString('base64'),
        messageId: message.messageId,
        message_id: message.messageId,
        publishTime: message.publishTime,
        publish_time: message.publishTime,
        ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
      },
      subscription: `projects/${project}/subscriptions/${sub.subscription}`,
    });
    const delivery = fetch(sub.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-id': message.messageId,
        'ce-source': `//pubsub.googleapis.com/${topicName}`,
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-time': message.publishTime,
      },
      body,
    })
      .then(async (res) => {
        await res.arrayBuffer();
        deliveries.push({ subscription: sub.subscription, messageId: message.messageId, status: res.status });
      })
      .catch((err) => {
        deliveries.push({
          subscription: sub.subscription,
          messageId: message.messageId,
          status: String(err?.cause?.code ?? err),
        });
      })
      .finally(() => pending.delete(delivery));
    pending.add(delivery);
  };

  const server = new grpc.Server();
  server.addService(loadPublisher(), {
    publish(call, callback) {
      const topicName = call.request.topic;
      const topicId = topicName.slice(topicName.lastIndexOf('/') + 1);
      const ids = [];
      for (const m of call.request.messages) {
        const message = {
          topic: topicName,
          messageId: String(next++),
          data: Buffer.from(m.data ?? []),
          attributes: { ...m.attributes },
          orderingKey: m.orderingKey ?? '',
          publishTime: new Date().toISOString(),
        };
        messages.push(message);
        ids.push(message.messageId);
        for (const sub of pushes.get(topicId) ?? []) deliver(topicName, message, sub);
      }
      callback(null, { messageIds: ids });
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    host: `127.0.0.1:${port}`,
    project,
    messages,
    deliveries,
    subscribePush(topic, endpoint, subscription = `${topic}-push`) {
      const list = pushes.get(topic) ?? [];
      list.push({ endpoint, subscription });
      pushes.set(topic, list);
    },
    /** Resolves once every push started so far has been answered. */
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
