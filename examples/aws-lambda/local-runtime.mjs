// A local Lambda execution environment: runs a handler module under lambda-local (an
// emulation of the Node.js Lambda runtime) in this process, as the plan in
// FNTRACE_LOCAL_PLAN says, and writes each invocation's outcome (result or error as the
// runtime saw it) to FNTRACE_LOCAL_RESULT. stdout is left to the handler: its log lines
// are what the demo shows and the tests read. One process = one environment, so its
// first invocation is a cold start, as on Lambda.
import { writeFileSync } from 'node:fs';
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
      },
      callback(err, data) {
        results[i] = {
          requestId,
          startedAtMs: t0,
          endedAtMs: Date.now(),
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

if (plan.sequential) {
  for (let i = 0; i < plan.invocations.length; i++) await run(plan.invocations[i], i);
} else {
  await Promise.all(
    plan.invocations.map(async (inv, i) => {
      await sleep(inv.startAfterMs ?? 0);
      await run(inv, i);
    }),
  );
}
if (plan.lingerMs) await sleep(plan.lingerMs);
writeFileSync(env.FNTRACE_LOCAL_RESULT, JSON.stringify(results));
process.exit(0);
