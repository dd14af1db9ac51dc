// A local Lambda execution environment: runs a handler module under lambda-local (an
// emulation of the Node.js Lambda runtime) in this process, as the plan in
// FNTRACE_LOCAL_PLAN says, and writes each invocation's outcome (result or error as the
// runtime saw it) to FNTRACE_LOCAL_RESULT. stdout is left to the handler: its log lines
// are what the demo shows and the tests read. One process = one environment, so its
// first invocation is a cold start, as on Lambda.
//
// With `serve: true` in the plan it stands in for an API Gateway HTTP API instead: it
// listens on 127.0.0.1, turns each request into the payload-2.0 event API Gateway would
// send (headers lower-cased, repeated ones joined with commas), invokes the handler, and
// answers with its result; the port goes to the parent over IPC. A request to Lambda's own
// Invoke path (`POST /2015-03-31/functions/<name>/invocations`) is invoked with its body as
// the event, and answered as Lambda's Invoke API answers: the result as JSON, or the error
// with `X-Amz-Function-Error: Unhandled`. Every answer says how the invocation ended in
// `x-local-lambda-outcome` (ok, error or timeout): Lambda resets an environment after a
// timeout, which is the caller's to do (the demo's pool stops the process).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import lambdaLocal from 'lambda-local';

const plan = JSON.parse(process.env.FNTRACE_LOCAL_PLAN);
const require = createRequire(import.meta.url);
const mod = plan.handler.endsWith('.mjs') ? await import(plan.handler) : require(plan.handler);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const env = process.env;
const results = [];

function run(inv, i) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let requestId;
    let deadlineMs;
    lambdaLocal.execute({
      lambdaFunc: mod,
      lambdaHandler: plan.export ?? 'handler',
      event: inv.event,
      timeoutMs: inv.timeoutMs ?? 3000,
      clientContext: inv.clientContext ? JSON.stringify(inv.clientContext) : undefined,
      // level 3: lambda-local would otherwise mute process.stdout/stderr while a handler runs
      verboseLevel: 3,
      contextOverwrite(ctx) {
        ctx.functionName = env.AWS_LAMBDA_FUNCTION_NAME;
        ctx.logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;
        ctx.memoryLimitInMB = '256';
        ctx.invokedFunctionArn = `arn:aws:lambda:us-east-1:123456789012:function:${env.AWS_LAMBDA_FUNCTION_NAME}`;
        Object.assign(ctx, inv.context ?? {});
        requestId = ctx.awsRequestId;
        // the moment the platform fails the invocation, as the handler's context tells it
        deadlineMs = Date.now() + ctx.getRemainingTimeInMillis();
      },
      callback(err, data) {
        results[i] = {
          requestId,
          startedAtMs: t0,
          endedAtMs: Date.now(),
          deadlineMs,
          // lambda-local reports errors as the Lambda runtime does: { errorType, errorMessage, stackTrace }
          error: err
            ? typeof err === 'object'
              ? {
                  name: err.errorType ?? err.name,
                  message: err.errorMessage ?? err.message,
                  stackTrace: err.stackTrace,
                }
              : { name: typeof err, message: String(err) }
            : undefined,
          result: data,
        };
        resolve();
      },
    });
  });
}

/**
 * The route of `routes` (`'POST /orders'`, `'GET /orders/{id}'`, `'ANY /{proxy+}'`) that a request
 * matches, with its path parameters, as API Gateway matches HTTP API routes; `$default` when no
 * routes are given; undefined when none matches.
 */
function matchRoute(routes, method, path) {
  if (!routes) return { routeKey: '$default' };
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const [verb, template] = route.split(' ');
    if (verb !== 'ANY' && verb !== method) continue;
    const want = template.split('/').filter(Boolean);
    const params = {};
    let ok = true;
    for (let i = 0; ok && i < want.length; i++) {
      const greedy = /^\{(\w+)\+\}$/.exec(want[i]);
      const param = /^\{(\w+)\}$/.exec(want[i]);
      if (greedy) {
        params[greedy[1]] = parts.slice(i).join('/');
        if (i === want.length - 1 && parts.length > i) return { routeKey: route, pathParameters: params };
        ok = false;
      } else if (param && parts[i] !== undefined) params[param[1]] = decodeURIComponent(parts[i]);
      else ok = want[i] === parts[i];
    }
    if (ok && want.length === parts.length)
      return { routeKey: route, pathParameters: Object.keys(params).length ? params : undefined };
  }
  return undefined;
}

/** The API Gateway HTTP API (payload 2.0) event for a request, on the route it matched. */
function httpApiEvent(req, body, { routeKey, pathParameters }) {
  const url = new URL(req.url, 'http://local');
  const headers = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) headers[name] = values.join(',');
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(pathParameters && { pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: body.length > 0 ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
  };
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

/** How an invocation ended: ok, error, or timeout (lambda-local fails it with a TimeoutError). */
const outcomeOf = (outcome) => (!outcome.error ? 'ok' : outcome.error.name === 'TimeoutError' ? 'timeout' : 'error');

/** The Invoke API's answer: the result as JSON, or the error as Lambda reports an unhandled one. */
function answerInvoke(res, outcome) {
  const headers = { 'content-type': 'application/json', 'x-local-lambda-outcome': outcomeOf(outcome) };
  if (outcome.error) {
    res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
    res.end(JSON.stringify({ errorType: outcome.error.name, errorMessage: outcome.error.message }));
    return;
  }
  res.writeHead(200, headers);
  res.end(JSON.stringify(outcome.result ?? null));
}

/** An HTTP response from a handler's result, as API Gateway maps payload-2.0 results. */
function answer(res, outcome) {
  res.setHeader('x-local-lambda-outcome', outcomeOf(outcome));
  if (outcome.error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Internal Server Error' }));
    return;
  }
  const r = outcome.result;
  if (r === null || typeof r !== 'object' || typeof r.statusCode !== 'number') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(r ?? null));
    return;
  }
  res.writeHead(r.statusCode, { 'content-type': 'application/json', ...(r.headers ?? {}) });
  res.end(r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64') : (r.body ?? ''));
}

if (plan.serve) {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const i = n++;
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && INVOKE_PATH.test(new URL(req.url, 'http://local').pathname)) {
        await run(
          { event: JSON.parse(body.length > 0 ? body.toString('utf8') : 'null'), timeoutMs: plan.timeoutMs },
          i,
        );
        answerInvoke(res, results[i]);
      } else {
        const route = matchRoute(plan.routes, req.method, new URL(req.url, 'http://local').pathname);
        if (!route) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
          return;
        }
        await run({ event: httpApiEvent(req, body, route), timeoutMs: plan.timeoutMs }, i);
        answer(res, results[i]);
      }
      results[i] = undefined; // a long-lived environment keeps no outcome it has answered
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  // the platform is gone (its process ended without stopping us): so is this environment
  process.on('disconnect', () => process.exit(0));
} else if (plan.sequential) {
  for (let i = 0; i < plan.invocations.length; i++) await run(plan.invocations[i], i);
} else {
  await Promise.all(
    plan.invocations.map(async (inv, i) => {
      await sleep(inv.startAfterMs ?? 0);
      await run(inv, i);
    }),
  );
}
if (!plan.serve) {
  if (plan.lingerMs) await sleep(plan.lingerMs);
  writeFileSync(env.FNTRACE_LOCAL_RESULT, JSON.stringify(results));
  process.exit(0);
}
