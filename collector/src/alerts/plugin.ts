import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badQuery, notFound, ruleConflict } from '../errors.js';
import { apiErrorHandler, errorAnswer, finiteParameters, unauthorizedAnswer } from '../http/api-errors.js';
import { type SchemaTypes, stringify } from '../query/schema-types.js';
import { alertPreview, historyList, noContent, ruleAnswer, ruleList, silenceAnswer, silenceList } from './answers.js';
import type { AlertEngine } from './engine.js';
import { historyQuerystring, idParams, ruleBody, silenceBody } from './parameters.js';
import { type AlertRule, parseRule } from './rule.js';
import { targetWarnings } from './target-check.js';

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

/** A rule as the API shows it: channel URLs masked. */
const shown = (rule: AlertRule): AlertRule => ({
  ...rule,
  channels: rule.channels.map((c) => ({ ...c, url: maskChannelUrl(c.url) })),
});

/**
 * `/api/alerts/...`: rules (read; create, replace and delete those made here — rules from
 * the rules file are read-only), preview ("what would this rule have said over the last
 * 24 h?"), silences and history. Rule bodies use the rules file's JSON Schema; every answer
 * has one too (answers.ts), which documents it (OpenAPI) and types the handler.
 */
export async function alertsPlugin(plain: FastifyInstance, deps: { engine: AlertEngine }): Promise<void> {
  const { engine } = deps;
  const app = plain.withTypeProvider<SchemaTypes>();
  app.setSerializerCompiler(stringify);
  app.setErrorHandler(apiErrorHandler);
  app.addHook('preHandler', finiteParameters);
  // The rule schema documents these bodies (OpenAPI); parseRule validates them, because it
  // refuses unknown fields (a typo must not be dropped silently) and names the field. So
  // `req.body` is typed by the schema but unchecked: only parseRule's result is a rule.
  const documentOnly = { validatorCompiler: () => () => true };
  const badRule = errorAnswer('the body is not a valid rule: the message names the field');
  const fileRule = errorAnswer('the rule comes from the rules file (read-only here)');

  app.get(
    '/api/alerts/rules',
    {
      schema: {
        summary: 'Alert rules with their current state per group',
        response: { 200: ruleList, 401: unauthorizedAnswer },
      },
    },
    async () => ({ rules: engine.status().map((r) => ({ ...r, rule: shown(r.rule) })) }),
  );

  app.post(
    '/api/alerts/rules',
    {
      schema: {
        summary: 'Create an alert rule',
        body: ruleBody,
        response: {
          201: ruleAnswer,
          400: badRule,
          401: unauthorizedAnswer,
          409: errorAnswer('a rule with this id exists'),
        },
      },
      ...documentOnly,
    },
    async (req, reply) => {
      const rule = parseRule(structuredClone(req.body));
      if (engine.ruleById(rule.id)) throw ruleConflict(`a rule "${rule.id}" exists`);
      await engine.saveRule(rule);
      return reply
        .code(201)
        .send({ rule: shown(rule), warnings: await targetWarnings(engine.store, rule, engine.now()) });
    },
  );

  app.put(
    '/api/alerts/rules/:id',
    {
      schema: {
        summary: 'Replace an alert rule made through the API',
        params: idParams,
        body: ruleBody,
        response: { 200: ruleAnswer, 400: badRule, 401: unauthorizedAnswer, 409: fileRule },
      },
      ...documentOnly,
    },
    async (req) => {
      const { id } = req.params;
      const existing = engine.ruleById(id);
      if (existing?.source === 'file') throw ruleConflict(`rule "${id}" comes from the rules file; edit the file`);
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
      const rule = parseRule({ ...body, id });
      await engine.saveRule(rule);
      return { rule: shown(rule), warnings: await targetWarnings(engine.store, rule, engine.now()) };
    },
  );

  app.delete(
    '/api/alerts/rules/:id',
    {
      schema: {
        summary: 'Delete an alert rule made through the API',
        params: idParams,
        response: { 204: noContent, 401: unauthorizedAnswer, 404: errorAnswer('no such rule'), 409: fileRule },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const existing = engine.ruleById(id);
      if (!existing) throw notFound(`no rule "${id}"`);
      if (existing.source === 'file') throw ruleConflict(`rule "${id}" comes from the rules file`);
      await engine.deleteRule(id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/alerts/preview',
    {
      schema: {
        summary: 'What a rule would have said over the last 24 hours',
        body: ruleBody,
        response: { 200: alertPreview, 400: badRule, 401: unauthorizedAnswer },
      },
      ...documentOnly,
    },
    async (req) => {
      const rule = parseRule(structuredClone(req.body));
      const [preview, warnings] = await Promise.all([
        engine.preview(rule),
        targetWarnings(engine.store, rule, engine.now()),
      ]);
      return { ...preview, warnings };
    },
  );

  app.get(
    '/api/alerts/silences',
    { schema: { summary: 'Active silences', response: { 200: silenceList, 401: unauthorizedAnswer } } },
    async () => ({ silences: engine.activeSilences() }),
  );

  app.post(
    '/api/alerts/silences',
    {
      schema: {
        summary: 'Silence a rule (or one group of it) until a time',
        body: silenceBody,
        response: {
          201: silenceAnswer,
          400: errorAnswer('the body is not valid, or until is not ISO-8601'),
          401: unauthorizedAnswer,
          404: errorAnswer('no such rule'),
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!engine.ruleById(b.ruleId)) throw notFound(`no rule "${b.ruleId}"`);
      const untilMs = b.until ? Date.parse(b.until) : engine.now() + (b.durationMinutes ?? 60) * 60_000;
      if (!Number.isFinite(untilMs)) throw badQuery('until must be ISO-8601');
      const silence = { id: randomUUID(), ruleId: b.ruleId, group: b.group, untilMs, comment: b.comment };
      await engine.silence(silence);
      return reply.code(201).send({ silence });
    },
  );

  app.delete(
    '/api/alerts/silences/:id',
    {
      schema: {
        summary: 'End a silence',
        params: idParams,
        response: { 204: noContent, 401: unauthorizedAnswer, 404: errorAnswer('no such active silence') },
      },
    },
    async (req, reply) => {
      const s = engine.activeSilences().find((x) => x.id === req.params.id);
      if (!s) throw notFound('no such active silence');
      await engine.silence(s, true);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/alerts/history',
    {
      schema: {
        summary: 'Transitions and delivery attempts, newest first',
        querystring: historyQuerystring,
        response: {
          200: historyList,
          400: errorAnswer('a parameter is not valid: the message names it'),
          401: unauthorizedAnswer,
        },
      },
    },
    async (req) => ({ history: await engine.alertStore.readHistory(req.query.rule, req.query.limit) }),
  );
}
