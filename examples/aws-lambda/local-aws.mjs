// A stand-in on 127.0.0.1 for SQS, SNS, EventBridge, Kinesis, Lambda Invoke and Step Functions
// that the unmodified AWS SDK v3 clients can call. It records every request, keeps what was sent
// and builds the Lambda events each service would deliver, so tests and the local demo can check
// that trace context put into messages survives the trip. Signatures are not checked.
//
// Two client quirks (found with @aws-sdk/client-* 3.1143 to 3.1178):
// - the Kinesis client speaks HTTP/2 only (its default handler is NodeHttp2Handler, for
//   SubscribeToShard), so this server accepts cleartext HTTP/2 on the same port;
// - SFN StartSyncExecution prefixes the host with `sync-` (`sync-127.0.0.1` does not resolve):
//   create that client with `disableHostPrefix: true`, as `clientConfig` does.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { Duplex } from 'node:stream';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const SQS_MAX_ATTRIBUTES = 10; // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
const MAX_BATCH = 10;
const SHARD_ID = 'shardId-000000000000';
const SENDER_ID = 'AIDALOCALAWSSENDER000';
const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const SIGNING_CERT_URL = `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem`;
const H2_PREFACE = 'PRI ';

/** AWS JSON protocols, by the prefix of `X-Amz-Target`. */
const JSON_TARGETS = {
  AmazonSQS: { service: 'SQS', version: '1.0' },
  AWSEvents: { service: 'EventBridge', version: '1.1' },
  Kinesis_20131202: { service: 'Kinesis', version: '1.1' },
  AWSStepFunctions: { service: 'SFN', version: '1.0' },
};

const sqsArn = (queue) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`;
const snsArn = (topic) => `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`;
const kinesisArn = (stream) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${stream}`;
const md5 = (data) => createHash('md5').update(data).digest('hex');
const epochSeconds = (ms = Date.now()) => ms / 1000;
const lastPart = (value, separator) =>
  String(value ?? '')
    .split(separator)
    .pop();
const xmlEscape = (s) =>
  String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);

function append(map, key, value) {
  if (!map.has(key)) map.set(key, []);
  map.get(key).push(value);
}

/**
 * MD5 of SQS message (or system) attributes, as SQS computes it: names sorted; for each, length-
 * prefixed name and data type, a transport byte (1 String/Number, 2 Binary), the length-prefixed value.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
function md5OfAttributes(attributes) {
  const names = Object.keys(attributes ?? {}).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const field = (bytes) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of names) {
    const { DataType = 'String', StringValue = '', BinaryValue = '' } = attributes[name];
    field(Buffer.from(name));
    field(Buffer.from(DataType));
    const binary = DataType.startsWith('Binary');
    hash.update(Buffer.of(binary ? 2 : 1));
    field(binary ? Buffer.from(BinaryValue, 'base64') : Buffer.from(StringValue));
  }
  return hash.digest('hex');
}

const jsonError = (type, message, headers = {}, status = 400) => ({ status, headers, json: { __type: type, message } });

// SQS answers JSON but keeps its old query error codes in `x-amzn-query-error`, which the SDK
// (awsQueryCompatible) turns into `error.Code`/`error.Type`.
const sqsError = (name, message, queryCode = name) =>
  jsonError(`com.amazonaws.sqs#${name}`, message, { 'x-amzn-query-error': `${queryCode};Sender` });

function batchError(entries, errorFor) {
  if (!entries?.length) return errorFor('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH)
    return errorFor('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}.`);
  if (new Set(entries.map((e) => e.Id)).size !== entries.length)
    return errorFor('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id.');
}

// --- SQS (AWS JSON 1.0) ---------------------------------------------------------------------------

/** Why SQS would refuse this message, or undefined. A body of exactly "FAIL" always fails, for tests. */
function sqsRejection(entry) {
  const count = Object.keys(entry.MessageAttributes ?? {}).length;
  if (count > SQS_MAX_ATTRIBUTES)
    return {
      name: 'InvalidParameterValue',
      message: `Number of message attributes [${count}] exceeds the allowed maximum [${SQS_MAX_ATTRIBUTES}].`,
    };
  if (entry.MessageBody === 'FAIL')
    return { name: 'InvalidMessageContents', message: 'local-aws rejects a message body of "FAIL" on purpose.' };
}

function enqueue(state, queue, { body, messageAttributes = {}, systemAttributes = {} }) {
  const message = {
    messageId: randomUUID(),
    receiptHandle: randomBytes(96).toString('base64'),
    body,
    sentAt: Date.now(),
    firstReceivedAt: undefined,
    messageAttributes,
    traceHeader: systemAttributes.AWSTraceHeader?.StringValue,
    md5OfBody: md5(body),
    md5OfMessageAttributes: md5OfAttributes(messageAttributes),
    md5OfMessageSystemAttributes: md5OfAttributes(systemAttributes),
  };
  append(state.queues, queue, message);
  return message;
}

const sqsSendResult = (m) => ({
  MD5OfMessageBody: m.md5OfBody,
  MD5OfMessageAttributes: m.md5OfMessageAttributes,
  MD5OfMessageSystemAttributes: m.md5OfMessageSystemAttributes,
  MessageId: m.messageId,
});

const sqsMessageInput = (entry) => ({
  body: entry.MessageBody ?? '',
  messageAttributes: entry.MessageAttributes,
  systemAttributes: entry.MessageSystemAttributes,
});

/** NOTE: sets `firstReceivedAt` the first time a message is delivered. */
function systemAttributesOf(m) {
  m.firstReceivedAt ??= Math.max(Date.now(), m.sentAt);
  return {
    ApproximateReceiveCount: '1',
    ...(m.traceHeader && { AWSTraceHeader: m.traceHeader }),
    SentTimestamp: String(m.sentAt),
    SenderId: SENDER_ID,
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
  };
}

/** Does a ReceiveMessage name list (`All`, `.*`, `prefix.*`, exact names) select `name`? */
const selects = (names = [], name) =>
  names.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));

const pick = (object, keep) => Object.fromEntries(Object.entries(object).filter(([k]) => keep(k)));

const sqs = {
  SendMessage(state, input) {
    const rejection = sqsRejection(input);
    if (rejection) return sqsError(rejection.name, rejection.message);
    return { json: sqsSendResult(enqueue(state, lastPart(input.QueueUrl, '/'), sqsMessageInput(input))) };
  },

  SendMessageBatch(state, input) {
    const entries = input.Entries;
    const invalid = batchError(entries, (name, message) => sqsError(name, message, `AWS.SimpleQueueService.${name}`));
    if (invalid) return invalid;
    const queue = lastPart(input.QueueUrl, '/');
    const Successful = [];
    const Failed = [];
    for (const entry of entries) {
      const rejection = sqsRejection(entry);
      if (rejection) Failed.push({ Id: entry.Id, SenderFault: true, Code: rejection.name, Message: rejection.message });
      else Successful.push({ Id: entry.Id, ...sqsSendResult(enqueue(state, queue, sqsMessageInput(entry))) });
    }
    return { json: { Successful, Failed } };
  },

  GetQueueUrl(state, input) {
    return { json: { QueueUrl: `${state.url}/${input.QueueOwnerAWSAccountId ?? ACCOUNT}/${input.QueueName}` } };
  },

  /** Each stored message is received once (as if deleted afterwards); there is no visibility timeout. */
  ReceiveMessage(state, input) {
    const queue = lastPart(input.QueueUrl, '/');
    const max = Math.min(Math.max(input.MaxNumberOfMessages ?? 1, 1), MAX_BATCH);
    const from = state.received.get(queue) ?? 0;
    const picked = (state.queues.get(queue) ?? []).slice(from, from + max);
    state.received.set(queue, from + picked.length);
    if (picked.length === 0) return { json: {} };
    const systemNames = [...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])];
    const Messages = picked.map((m) => {
      const attributes = pick(m.messageAttributes, (name) => selects(input.MessageAttributeNames, name));
      return {
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5OfBody,
        Body: m.body,
        Attributes: pick(systemAttributesOf(m), (name) => selects(systemNames, name)),
        MD5OfMessageAttributes: md5OfAttributes(attributes),
        MessageAttributes: Object.keys(attributes).length ? attributes : undefined,
      };
    });
    return { json: { Messages } };
  },
};

function sqsRecord(queue, m) {
  const messageAttributes = Object.fromEntries(
    Object.entries(m.messageAttributes).map(([name, a]) => [
      name,
      {
        ...(a.DataType.startsWith('Binary') ? { binaryValue: a.BinaryValue } : { stringValue: a.StringValue }),
        stringListValues: [],
        binaryListValues: [],
        dataType: a.DataType,
      },
    ]),
  );
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes: systemAttributesOf(m),
    messageAttributes,
    md5OfBody: m.md5OfBody,
    ...(m.md5OfMessageAttributes && { md5OfMessageAttributes: m.md5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: sqsArn(queue),
    awsRegion: REGION,
  };
}

// --- SNS (awsQuery: form-encoded request, XML response) ------------------------------------------

/**
 * Turns awsQuery form fields into the SDK's input shape: `X.member.N` becomes an array and
 * `X.entry.N.Name`/`X.entry.N.Value` a map.
 */
function decodeQuery(params) {
  const root = Object.create(null); // form keys are untrusted: no prototype to pollute
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const path = key.split('.');
    let node = root;
    for (const part of path.slice(0, -1)) {
      node[part] ??= Object.create(null);
      node = node[part];
    }
    node[path.at(-1)] = value;
  }
  const byIndex = (object) =>
    Object.keys(object)
      .sort((a, b) => a - b)
      .map((k) => object[k]);
  const shape = (node) => {
    if (typeof node !== 'object') return node;
    if (node.member) return byIndex(node.member).map(shape);
    if (node.entry) return Object.fromEntries(byIndex(node.entry).map((e) => [e.Name, shape(e.Value)]));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, shape(v)]));
  };
  return shape(root);
}

const snsXml = (operation, requestId, result) =>
  `<${operation}Response xmlns="${SNS_NS}"><${operation}Result>${result}</${operation}Result>` +
  `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;

const snsError = (code, message, requestId) => ({
  status: 400,
  headers: { 'content-type': 'text/xml' },
  body:
    `<ErrorResponse xmlns="${SNS_NS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
});

const xmlMembers = (items) =>
  items
    .map(
      (item) =>
        `<member>${Object.entries(item)
          .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
          .join('')}</member>`,
    )
    .join('');

/** Where SNS would deliver to a queue subscribed with `subscribeQueue`, and the notification itself. */
function publish(state, topicArn, entry) {
  const topic = lastPart(topicArn, ':');
  const notification = {
    messageId: randomUUID(),
    topicArn,
    subject: entry.Subject,
    message: entry.Message,
    timestamp: new Date().toISOString(),
    signature: randomBytes(128).toString('base64'),
    messageAttributes: entry.MessageAttributes ?? {},
  };
  append(state.topics, topic, notification);
  for (const subscription of state.subscriptions.get(topic) ?? []) {
    enqueue(
      state,
      subscription.queue,
      subscription.raw
        ? { body: notification.message, messageAttributes: notification.messageAttributes }
        : { body: JSON.stringify(snsEnvelope(notification, subscription.arn)) },
    );
  }
  return notification;
}

const snsAttributes = (attributes) =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [name, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue }]),
  );

const unsubscribeUrl = (subscriptionArn) =>
  `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`;

/** The JSON body SNS puts in an SQS message when raw delivery is off (note `…URL`, not `…Url`). */
function snsEnvelope(n, subscriptionArn) {
  const hasAttributes = Object.keys(n.messageAttributes).length > 0;
  return {
    Type: 'Notification',
    MessageId: n.messageId,
    TopicArn: n.topicArn,
    ...(n.subject !== undefined && { Subject: n.subject }),
    Message: n.message,
    Timestamp: n.timestamp,
    SignatureVersion: '1',
    Signature: n.signature,
    SigningCertURL: SIGNING_CERT_URL,
    UnsubscribeURL: unsubscribeUrl(subscriptionArn),
    ...(hasAttributes && { MessageAttributes: snsAttributes(n.messageAttributes) }),
  };
}

function lambdaSubscriptionArn(state, topic) {
  if (!state.lambdaSubscriptions.has(topic)) state.lambdaSubscriptions.set(topic, `${snsArn(topic)}:${randomUUID()}`);
  return state.lambdaSubscriptions.get(topic);
}

const sns = {
  Publish(state, input, { requestId }) {
    const topicArn = input.TopicArn ?? input.TargetArn;
    if (!topicArn) return snsError('InvalidParameter', 'Invalid parameter: TopicArn', requestId);
    if (!input.Message) return snsError('InvalidParameter', 'Invalid parameter: Empty message', requestId);
    const { messageId } = publish(state, topicArn, input);
    return { body: snsXml('Publish', requestId, `<MessageId>${messageId}</MessageId>`) };
  },

  /** As with SQS, an entry whose Message is exactly "FAIL" goes to `Failed`. */
  PublishBatch(state, input, { requestId }) {
    const entries = input.PublishBatchRequestEntries;
    if (!input.TopicArn) return snsError('InvalidParameter', 'Invalid parameter: TopicArn', requestId);
    const invalid = batchError(entries, (name, message) => snsError(name, message, requestId));
    if (invalid) return invalid;
    const successful = [];
    const failed = [];
    for (const entry of entries) {
      if (entry.Message === 'FAIL')
        failed.push({ Id: entry.Id, Code: 'InvalidParameter', Message: 'local-aws rejects "FAIL"', SenderFault: true });
      else successful.push({ Id: entry.Id, MessageId: publish(state, input.TopicArn, entry).messageId });
    }
    const result = `<Successful>${xmlMembers(successful)}</Successful><Failed>${xmlMembers(failed)}</Failed>`;
    return { body: snsXml('PublishBatch', requestId, result) };
  },
};

// --- EventBridge (AWS JSON 1.1) -------------------------------------------------------------------

function eventEntryError(entry) {
  for (const field of ['Source', 'DetailType', 'Detail']) {
    if (!entry[field])
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
  }
  try {
    const detail = JSON.parse(entry.Detail);
    // EventBridge wants a JSON object: a bare number, string or array is malformed too
    if (detail !== null && typeof detail === 'object' && !Array.isArray(detail)) return undefined;
  } catch {}
  return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
}

const eventBridge = {
  PutEvents(state, input) {
    const Entries = (input.Entries ?? []).map((entry) => {
      const error = eventEntryError(entry);
      if (error) return error;
      const id = randomUUID();
      // the SDK sends Time as epoch seconds; events carry it as ISO 8601 to the second
      const time = new Date(entry.Time != null ? entry.Time * 1000 : Date.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      state.events.push({
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: ACCOUNT,
        time,
        region: REGION,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail),
      });
      return { EventId: id };
    });
    return { json: { FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, Entries } };
  },
};

// --- Kinesis (AWS JSON 1.1 over HTTP/2) -----------------------------------------------------------

function putRecord(state, stream, record) {
  state.sequence += 1n;
  const sequenceNumber = state.sequence.toString();
  append(state.streams, stream, {
    partitionKey: record.PartitionKey,
    sequenceNumber,
    data: record.Data ?? '', // base64 on the wire, as in the event
    arrivedAt: Date.now(),
  });
  return { ShardId: SHARD_ID, SequenceNumber: sequenceNumber };
}

const streamName = (input) => input.StreamName ?? (input.StreamARN && lastPart(input.StreamARN, '/'));

const kinesis = {
  PutRecord(state, input) {
    const stream = streamName(input);
    if (!stream) return jsonError('InvalidArgumentException', 'StreamName or StreamARN is required.');
    return { json: putRecord(state, stream, input) };
  },

  PutRecords(state, input) {
    const stream = streamName(input);
    if (!stream) return jsonError('InvalidArgumentException', 'StreamName or StreamARN is required.');
    const Records = (input.Records ?? []).map((record) => putRecord(state, stream, record));
    return { json: { FailedRecordCount: 0, Records } };
  },
};

// --- Step Functions (AWS JSON 1.0) ----------------------------------------------------------------

function startExecution(state, input, sync) {
  const machineArn = input.stateMachineArn ?? '';
  const machine = machineArn.split(':stateMachine:')[1]?.split(':')[0];
  if (!machine) return { error: jsonError('InvalidArn', `Invalid Arn: '${machineArn}'`) };
  const name = input.name ?? randomUUID();
  const text = input.input ?? '{}';
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: jsonError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON') };
  }
  const executionArn = sync
    ? `arn:aws:states:${REGION}:${ACCOUNT}:express:${machine}:${name}:${randomUUID()}`
    : `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;
  append(state.executions, machine, { executionArn, input: parsed, name });
  return { executionArn, machineArn, name, text, startDate: epochSeconds() };
}

const sfn = {
  StartExecution(state, input) {
    const started = startExecution(state, input, false);
    return started.error ?? { json: { executionArn: started.executionArn, startDate: started.startDate } };
  },

  StartSyncExecution(state, input) {
    const started = startExecution(state, input, true);
    if (started.error) return started.error;
    return {
      json: {
        executionArn: started.executionArn,
        stateMachineArn: started.machineArn,
        name: started.name,
        startDate: started.startDate,
        stopDate: epochSeconds(),
        status: 'SUCCEEDED',
        input: started.text,
        output: '{}',
      },
    };
  },
};

// --- Lambda Invoke (restJson1) --------------------------------------------------------------------

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

const lambdaError = (type, message, status = 400) => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': type },
  body: JSON.stringify({ Type: 'User', message }),
});

/** `fn`, `fn:alias`, `123456789012:function:fn` and full ARNs all name `fn`. */
function functionNameOf(reference) {
  const parts = reference.split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? parts[at + 1] : parts[0];
}

function parseJsonOr(text, fallback) {
  try {
    return { value: text === '' ? fallback : JSON.parse(text) };
  } catch {
    return { invalid: true };
  }
}

async function runFunction(state, name, payload, clientContext) {
  try {
    return { result: await state.respondToInvoke(name, payload, clientContext) };
  } catch (error) {
    return { error };
  }
}

async function invoke(state, reference, headers, body, requestId) {
  const name = functionNameOf(reference);
  const invocationType = headers['x-amz-invocation-type'] ?? 'RequestResponse';
  const payload = parseJsonOr(body, {});
  if (payload.invalid) return lambdaError('InvalidRequestContentException', 'Could not parse request body into json');
  let clientContext;
  if (headers['x-amz-client-context']) {
    const decoded = parseJsonOr(Buffer.from(headers['x-amz-client-context'], 'base64').toString('utf8'), undefined);
    if (decoded.invalid) return lambdaError('InvalidRequestContentException', 'Client context must be a valid JSON');
    clientContext = decoded.value;
  }
  append(state.invocations, name, { payload: payload.value, clientContext, invocationType });
  if (invocationType === 'DryRun') return { status: 204 };
  if (invocationType === 'Event') {
    runFunction(state, name, structuredClone(payload.value), structuredClone(clientContext)); // async: nobody waits
    return { status: 202 };
  }
  const run = await runFunction(state, name, structuredClone(payload.value), structuredClone(clientContext));
  const headersOut = { 'content-type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  if (headers['x-amz-log-type'] === 'Tail') {
    const log = `START RequestId: ${requestId} Version: $LATEST\nEND RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: 1.00 ms\n`;
    headersOut['X-Amz-Log-Result'] = Buffer.from(log).toString('base64');
  }
  if (run.error) {
    // what Lambda returns when the handler throws: still 200, with the error as payload
    headersOut['X-Amz-Function-Error'] = 'Unhandled';
    const { name: errorType = 'Error', message: errorMessage = String(run.error), stack = '' } = run.error;
    const trace = String(stack).split('\n');
    return { headers: headersOut, body: JSON.stringify({ errorType, errorMessage, trace }) };
  }
  return { headers: headersOut, body: JSON.stringify(run.result ?? null) };
}

// --- routing ----------------------------------------------------------------------------------------

const JSON_HANDLERS = { SQS: sqs, EventBridge: eventBridge, Kinesis: kinesis, SFN: sfn };

/** HTTP/2 requests also carry pseudo-headers (`:path`, …), which are not headers to a reader. */
const plainHeaders = (headers) => pick(headers, (name) => !name.startsWith(':'));

async function route(state, request, body, requestId) {
  const headers = plainHeaders(request.headers);
  const path = new URL(request.url, state.url).pathname;
  // a copy: the stored messages must not change when a test edits what it reads back
  const record = (service, operation, input) =>
    state.requests.push({ service, operation, headers, input: structuredClone(input) });

  const target = headers['x-amz-target'];
  if (target) {
    const [prefix, operation] = target.split('.');
    const protocol = JSON_TARGETS[prefix];
    const contentType = { 'content-type': `application/x-amz-json-${protocol?.version ?? '1.0'}` };
    let input;
    try {
      input = body === '' ? {} : JSON.parse(body);
    } catch {
      record(protocol?.service ?? prefix, operation, undefined);
      return withJson(jsonError('SerializationException', 'Request body is not valid JSON'), contentType);
    }
    record(protocol?.service ?? prefix, operation, input);
    const handler = protocol && Object.hasOwn(JSON_HANDLERS[protocol.service], operation);
    if (!handler) return withJson(jsonError('UnknownOperationException', `Unknown operation ${target}`), contentType);
    return withJson(await JSON_HANDLERS[protocol.service][operation](state, input, { requestId }), contentType);
  }

  const invokePath = INVOKE_PATH.exec(path);
  if (invokePath && request.method === 'POST') {
    const reference = decodeURIComponent(invokePath[1]);
    const query = new URL(request.url, state.url).searchParams;
    record('Lambda', 'Invoke', {
      FunctionName: reference,
      InvocationType: headers['x-amz-invocation-type'],
      LogType: headers['x-amz-log-type'],
      ClientContext: headers['x-amz-client-context'],
      Qualifier: query.get('Qualifier') ?? undefined,
      Payload: body,
    });
    return invoke(state, reference, headers, body, requestId);
  }

  if (headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    const operation = params.get('Action');
    const input = decodeQuery(params);
    record('SNS', operation, input);
    if (!Object.hasOwn(sns, operation))
      return snsError('InvalidAction', `Could not find operation ${operation} for version 2010-03-31`, requestId);
    const response = sns[operation](state, input, { requestId });
    return { ...response, headers: { 'content-type': 'text/xml', ...response.headers } };
  }

  record(undefined, undefined, undefined);
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': 'UnknownOperationException' },
    body: JSON.stringify({ __type: 'UnknownOperationException', message: `No operation at ${request.method} ${path}` }),
  };
}

function withJson({ status = 200, headers = {}, json }, contentType) {
  return { status, headers: { ...contentType, ...headers }, body: JSON.stringify(json) };
}

function respond(response, requestId, { status = 200, headers = {}, body }) {
  const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
  response.writeHead(status, { 'x-amzn-RequestId': requestId, ...headers, ...length });
  response.end(body);
}

/**
 * Hands a socket whose first chunk was already read to an HTTP/2 session. HTTP/2 reads the socket
 * natively and would never see an unshifted chunk; a JS stream (a Duplex) makes it read through JS.
 */
function replaying(socket, head) {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  stream.push(head);
  socket.on('data', (chunk) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  return stream;
}

/**
 * Starts the stand-in on 127.0.0.1.
 *
 * @param {{ port?: number }} [options] `port`: default 0 (any free port).
 * @example
 * const aws = await startLocalAws();
 * const sqs = new SQSClient(aws.clientConfig);
 * await sqs.send(new SendMessageCommand({ QueueUrl: `${aws.url}/123456789012/orders`, MessageBody: '{}' }));
 * const event = aws.sqsEvent('orders'); // { Records: [{ messageId, body: '{}', … }] }
 * await aws.close();
 */
export async function startLocalAws(options = {}) {
  const state = {
    url: '',
    requests: [],
    queues: new Map(), // queue name -> stored messages
    received: new Map(), // queue name -> how many ReceiveMessage has handed out
    topics: new Map(),
    subscriptions: new Map(), // topic name -> [{ queue, raw, arn }]
    lambdaSubscriptions: new Map(),
    events: [],
    streams: new Map(),
    // Kinesis sequence numbers are 56-digit decimals that increase within a shard
    sequence: BigInt(`4965${Date.now()}`.padEnd(56, '0')),
    invocations: new Map(),
    executions: new Map(),
    respondToInvoke: () => ({}),
  };

  const onRequest = (request, response) => {
    const requestId = randomUUID();
    const chunks = [];
    request.on('error', () => {}); // a client hanging up mid-request is not our failure
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      route(state, request, Buffer.concat(chunks).toString('utf8'), requestId).then(
        (result) => respond(response, requestId, result),
        (error) =>
          respond(response, requestId, {
            status: 500,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ __type: 'InternalFailure', message: String(error?.stack ?? error) }),
          }),
      );
    });
  };
  const http1 = createHttpServer(onRequest);
  const http2 = createHttp2Server(onRequest);
  const sockets = new Set();
  // One port for both: HTTP/2 with prior knowledge starts with its fixed preface, "PRI * HTTP/2.0".
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy()); // a client hanging up is not our failure
    socket.once('data', (head) => {
      socket.pause();
      if (head.toString('latin1', 0, H2_PREFACE.length) === H2_PREFACE) {
        http2.emit('connection', replaying(socket, head));
      } else {
        socket.unshift(head);
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  state.url = `http://127.0.0.1:${front.address().port}`;

  return {
    url: state.url,
    requests: state.requests,
    /** What to pass to any of the six clients; `disableHostPrefix` is for SFN StartSyncExecution. */
    clientConfig: Object.freeze({
      endpoint: state.url,
      region: REGION,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      disableHostPrefix: true,
    }),
    close() {
      return new Promise((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    /** `fn(functionName, payload, clientContext)` returns (or resolves to) the Invoke payload. Default: `{}`. */
    respondToInvoke(fn) {
      state.respondToInvoke = fn;
    },
    sqsEvent(queue) {
      return { Records: (state.queues.get(queue) ?? []).map((m) => sqsRecord(queue, m)) };
    },
    /**
     * What Lambda's SQS event source mapping hands a function: the next `max` messages (at most
     * 10) that no one has received yet, as an SQS event, or undefined when there are none.
     * Each message is received once, as ReceiveMessage hands it out.
     */
    receiveSqsEvent(queue, max = MAX_BATCH) {
      const from = state.received.get(queue) ?? 0;
      const picked = (state.queues.get(queue) ?? []).slice(from, from + Math.min(Math.max(max, 1), MAX_BATCH));
      if (picked.length === 0) return undefined;
      state.received.set(queue, from + picked.length);
      return { Records: picked.map((m) => sqsRecord(queue, m)) };
    },
    snsEvent(topic) {
      const subscriptionArn = lambdaSubscriptionArn(state, topic);
      return {
        Records: (state.topics.get(topic) ?? []).map((n) => ({
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: subscriptionArn,
          Sns: {
            Type: 'Notification',
            MessageId: n.messageId,
            TopicArn: n.topicArn,
            Subject: n.subject ?? null, // Lambda's SNS events carry null when there was no subject
            Message: n.message,
            Timestamp: n.timestamp,
            SignatureVersion: '1',
            Signature: n.signature,
            SigningCertUrl: SIGNING_CERT_URL,
            UnsubscribeUrl: unsubscribeUrl(subscriptionArn),
            MessageAttributes: snsAttributes(n.messageAttributes),
          },
        })),
      };
    },
    /** From now on, messages published to `topic` are also put in `queue` (earlier ones are not). */
    subscribeQueue(topic, queue, { raw = false } = {}) {
      append(state.subscriptions, topic, { queue, raw, arn: `${snsArn(topic)}:${randomUUID()}` });
    },
    eventBridgeEvents() {
      return structuredClone(state.events);
    },
    kinesisEvent(stream) {
      return {
        Records: (state.streams.get(stream) ?? []).map((r) => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: r.data,
            approximateArrivalTimestamp: epochSeconds(r.arrivedAt),
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${SHARD_ID}:${r.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/lambda-kinesis-role`,
          awsRegion: REGION,
          eventSourceARN: kinesisArn(stream),
        })),
      };
    },
    invocations(functionName) {
      return structuredClone(state.invocations.get(functionName) ?? []);
    },
    executions(stateMachineName) {
      return structuredClone(state.executions.get(stateMachineName) ?? []);
    },
  };
}
