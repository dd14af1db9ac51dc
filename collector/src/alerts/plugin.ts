import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AlertEngine } from './engine.js';
import { type AlertRule, parseRule, RuleError, ruleSchema } from './rule.js';

/**
 * A channel URL as the API shows it: its origin and the last four characters. The rest is a
 * credential (a Slack webhook URL is one; webhooks often carry a token in the path or query)
 * and leaves the collector only to be posted to.
 */
export function maskChannelUrl(url: string): string {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return '***';
  }
  const rest = url.slice(origin.length);
  return rest.length <= 4 ? url : `${origin}/***${rest.slice(-4)}`;
}

const shown = (rule: AlertRule): AlertRule => ({
  ...rule,
  channels: rule.channels.map((c) => ({ ...c, url: maskChannelUrl(c.url) })),
});

/**
 * `/api/alerts/...`: rules (read; create, replace and delete those made here — rules from
 * the rules file are read-only), preview ("what would this rule have said over the last
 * 24 h?"), silences and history. Rule bodies use the rules file's JSON Schema.
 */
export async function alertsPlugin(app: FastifyInstance, deps: { engine: AlertEngine }): Promise<void> {
  const { engine } = deps;
  const bad = (reply: any, err: unknown) => {
    if (err instanceof RuleError)
      return reply.code(400).send({ statusCode: 400, code: err.code, error: 'Bad Request', message: err.message });
    throw err;
  };
  const ruleBody = { ...ruleSchema, required: [...ruleSchema.required] };
  // The rule schema documents these bodies (OpenAPI); parseRule validates them, because it
  // refuses unknown fields (a typo must not be dropped silently) and names the field.
  const documentOnly = { validatorCompiler: () => () => true };

  app.get('/api/alerts/rules', { schema: { summary: 'Alert rules with their current state per group' } }, async () => ({
    rules: engine.status().map((r) => ({ ...r, rule: shown(r.rule) })),
  }));

  app.post(
    '/api/alerts/rules',
    { schema: { summary: 'Create an alert rule', body: ruleBody }, ...documentOnly },
    async (req, reply) => {
      let rule: AlertRule;
      try {
        rule = parseRule(structuredClone(req.body));
      } catch (err) {
        return bad(reply, err);
      }
      if (engine.ruleById(rule.id))
        return reply.code(409).send({
          statusCode: 409,
          code: 'FNTRACE_ERR_COL_BAD_RULE',
          error: 'Conflict',
          message: `a rule "${rule.id}" exists`,
        });
      await engine.saveRule(rule);
      return reply.code(201).send({ rule: shown(rule) });
    },
  );

  app.put(
    '/api/alerts/rules/:id',
    { schema: { summary: 'Replace an alert rule made through the API', body: ruleBody }, ...documentOnly },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const existing = engine.ruleById(id);
      if (existing?.source === 'file')
        return reply.code(409).send({
          statusCode: 409,
          code: 'FNTRACE_ERR_COL_BAD_RULE',
          error: 'Conflict',
          message: `rule "${id}" comes from the rules file; edit the file`,
        });
      // a rule read back from this API and sent again keeps its channel URLs: a masked URL
      // that is the mask of one the rule has stands for that one
      const body = structuredClone(req.body) as { channels?: unknown };
      if (existing && Array.isArray(body.channels)) {
        body.channels = body.channels.map((c: { type?: unknown; url?: unknown }) => {
          const prior = existing.rule.channels.find(
            (p) => p.type === c?.type && p.url !== c?.url && maskChannelUrl(p.url) === c?.url,
          );
          return prior ? { ...c, url: prior.url } : c;
        });
      }
      let rule: AlertRule;
      try {
        rule = parseRule({ ...body, id });
      } catch (err) {
        return bad(reply, err);
      }
      await engine.saveRule(rule);
      return { rule: shown(rule) };
    },
  );

  app.delete(
    '/api/alerts/rules/:id',
    { schema: { summary: 'Delete an alert rule made through the API' } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const existing = engine.ruleById(id);
      if (!existing)
        return reply
          .code(404)
          .send({ statusCode: 404, code: 'FNTRACE_ERR_COL_NOT_FOUND', error: 'Not Found', message: `no rule "${id}"` });
      if (existing.source === 'file')
        return reply.code(409).send({
          statusCode: 409,
          code: 'FNTRACE_ERR_COL_BAD_RULE',
          error: 'Conflict',
          message: `rule "${id}" comes from the rules file`,
        });
      await engine.deleteRule(id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/alerts/preview',
    { schema: { summary: 'What a rule would have said over the last 24 hours', body: ruleBody }, ...documentOnly },
    async (req, reply) => {
      let rule: AlertRule;
      try {
        rule = parseRule(structuredClone(req.body));
      } catch (err) {
        return bad(reply, err);
      }
      return engine.preview(rule);
    },
  );

  app.get('/api/alerts/silences', { schema: { summary: 'Active silences' } }, async () => ({
    silences: engine.activeSilences(),
  }));

  app.post(
    '/api/alerts/silences',
    {
      schema: {
        summary: 'Silence a rule (or one group of it) until a time',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ruleId'],
          properties: {
            ruleId: { type: 'string' },
            group: { type: 'string', default: '' },
            until: { type: 'string', description: 'ISO-8601; or give durationMinutes' },
            durationMinutes: { type: 'number', minimum: 1, maximum: 525600 },
            comment: { type: 'string', default: '' },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body as {
        ruleId: string;
        group: string;
        until?: string;
        durationMinutes?: number;
        comment: string;
      };
      if (!engine.ruleById(b.ruleId))
        return reply.code(404).send({
          statusCode: 404,
          code: 'FNTRACE_ERR_COL_NOT_FOUND',
          error: 'Not Found',
          message: `no rule "${b.ruleId}"`,
        });
      const untilMs = b.until ? Date.parse(b.until) : engine.now() + (b.durationMinutes ?? 60) * 60_000;
      if (!Number.isFinite(untilMs))
        return reply.code(400).send({
          statusCode: 400,
          code: 'FNTRACE_ERR_COL_BAD_QUERY',
          error: 'Bad Request',
          message: 'until must be ISO-8601',
        });
      const silence = { id: randomUUID(), ruleId: b.ruleId, group: b.group, untilMs, comment: b.comment };
      await engine.silence(silence);
      return reply.code(201).send({ silence });
    },
  );

  app.delete('/api/alerts/silences/:id', { schema: { summary: 'End a silence' } }, async (req, reply) => {
    const s = engine.activeSilences().find((x) => x.id === (req.params as { id: string }).id);
    if (!s)
      return reply.code(404).send({
        statusCode: 404,
        code: 'FNTRACE_ERR_COL_NOT_FOUND',
        error: 'Not Found',
        message: 'no such active silence',
      });
    await engine.silence(s, true);
    return reply.code(204).send();
  });

  app.get(
    '/api/alerts/history',
    {
      schema: {
        summary: 'Transitions and delivery attempts, newest first',
        querystring: {
          type: 'object',
          properties: { rule: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } },
        },
      },
    },
    async (req) => {
      const q = req.query as { rule?: string; limit: number };
      return { history: await engine.alertStore.readHistory(q.rule, q.limit) };
    },
  );
}
