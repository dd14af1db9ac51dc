// A stand-in for the Azure Functions Node.js worker (azure-functions-nodejs-worker), run as its
// own process, one per test "instance". The Functions host is not installable here; what the
// worker does is small and is done the same way:
//   - it provides the built-in module `@azure/functions-core` by intercepting `require`, as the
//     real worker's setupCoreModule does, so the app's `app.http(...)` etc. register with it;
//   - it loads the app (AZURE_TEST_APP), then for each invocation request it receives (over IPC,
//     in the host's RPC shapes: input data, trigger metadata, trace context) runs the
//     `@azure/functions` library's own programming model — `getArguments()` builds the
//     InvocationContext and HttpRequest, `invokeFunction()` calls the handler,
//     `getResponse()` converts the result — and answers with the RPC response and the
//     `context.log` lines the invocation wrote.
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

const registered = new Map();
let programmingModel;

class Disposable {
  constructor(callback) {
    this.callback = callback;
  }
  dispose() {
    this.callback?.();
  }
}

const coreApi = {
  version: '3.12.0',
  hostVersion: '4.1040.0',
  Disposable,
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  registerFunction(metadata, callback) {
    registered.set(metadata.name, { metadata, callback });
    return new Disposable(() => registered.delete(metadata.name));
  },
  registerHook: () => new Disposable(),
  log(level, category, message) {
    process.send?.({ type: 'system-log', level, category, message });
  },
};

const originalRequire = Module.prototype.require;
Module.prototype.require = function require(id, ...rest) {
  return id === '@azure/functions-core' ? coreApi : originalRequire.call(this, id, ...rest);
};

// bytes (response bodies) travel as text
const plain = (value) =>
  JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
      return v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('utf8') : v;
    }),
  );

async function invoke(request) {
  const fn = registered.get(request.functionName);
  if (!fn) throw new Error(`no function named ${request.functionName}`);
  const triggerName = Object.entries(fn.metadata.bindings).find(([, b]) => /trigger$/i.test(b.type))[0];
  const userLogs = [];
  const coreCtx = {
    invocationId: request.invocationId,
    metadata: fn.metadata,
    request: {
      invocationId: request.invocationId,
      functionId: fn.metadata.name,
      inputData: request.inputData.map((d) => ({ name: d.name ?? triggerName, data: d.data })),
      triggerMetadata: request.triggerMetadata,
      traceContext: request.traceContext,
      retryContext: request.retryContext,
    },
    state: 'preInvocationHooks',
    log(level, category, message) {
      if (category === 'user') userLogs.push({ level, message });
    },
  };
  const model = programmingModel.getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  coreCtx.state = 'invocation';
  try {
    const result = await model.invokeFunction(context, inputs, fn.callback);
    coreCtx.state = 'postInvocationHooks';
    const response = await model.getResponse(context, result);
    return { response: plain(response), userLogs };
  } catch (err) {
    return { error: { name: err?.name, message: err?.message }, userLogs };
  } finally {
    coreCtx.state = undefined;
  }
}

// A placeholder worker (Consumption and Flex plans) is started ahead of traffic and loads the
// app it is given only when specialized: AZURE_TEST_PLACEHOLDER_MS is how long it waits first.
const now = () => performance.timeOrigin + performance.now();
await new Promise((r) => setTimeout(r, Number(process.env.AZURE_TEST_PLACEHOLDER_MS ?? 0)));
const appLoadStartMs = now();
await import(pathToFileURL(process.env.AZURE_TEST_APP).href);
process.on('message', (msg) => {
  if (msg?.type !== 'invoke') return;
  invoke(msg.request).then(
    (outcome) => process.send({ type: 'outcome', id: msg.id, ...outcome }),
    (err) => process.send({ type: 'outcome', id: msg.id, failed: String(err?.stack ?? err) }),
  );
});
process.send({
  type: 'ready',
  functions: [...registered.keys()],
  processStartMs: performance.timeOrigin,
  appLoadStartMs,
});
