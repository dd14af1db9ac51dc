import {
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
} from '@opentelemetry/api';
import type { KeyMatcher } from './redaction.js';
import { REDACTED } from './redaction.js';
import { nowMs, toEpochMs } from './time.js';

/**
 * A recording span: a plain record of what the OTLP exporter will send. It implements
 * `@opentelemetry/api`'s `Span`, so user code and instrumentations treat it like any
 * other. Limits follow the SDK spec's defaults (128 attributes, events, links); what
 * does not fit is counted in the `dropped*Count` fields OTLP carries.
 */
export const LIMIT = 128;

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface Scope {
  name: string;
  version: string | undefined;
}

export interface SpanHooks {
  onEnd(span: SdkSpan): void;
  isSecret: KeyMatcher;
}

export class SdkSpan implements Span {
  readonly context: SpanContext;
  readonly parentSpanId: string | undefined;
  /** Whether the parent span context came from another process. */
  readonly parentIsRemote: boolean;
  readonly kind: SpanKind;
  readonly scope: Scope;
  readonly startMs: number;
  name: string;
  endMs: number | undefined;
  readonly attributes: Attributes = {};
  droppedAttributesCount = 0;
  readonly events: SpanEvent[] = [];
  droppedEventsCount = 0;
  readonly links: Link[] = [];
  droppedLinksCount = 0;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  /** The open-span set of the invocation this span was started in, if any (see tracer.ts). */
  openIn: Set<SdkSpan> | undefined;
  /** An outgoing call's span: ended with its invocation if its call has not ended it by then. */
  endsWithInvocation = false;
  private readonly hooks: SpanHooks;
  private attributeCount = 0;

  constructor(args: {
    name: string;
    context: SpanContext;
    parentSpanId: string | undefined;
    parentIsRemote?: boolean;
    kind: SpanKind | undefined;
    scope: Scope;
    startTime: TimeInput | undefined;
    attributes: Attributes | undefined;
    links: Link[] | undefined;
    hooks: SpanHooks;
  }) {
    this.name = args.name;
    this.context = args.context;
    this.parentSpanId = args.parentSpanId;
    this.parentIsRemote = args.parentIsRemote === true;
    this.kind = args.kind ?? SpanKind.INTERNAL;
    this.scope = args.scope;
    this.startMs = toEpochMs(args.startTime);
    this.hooks = args.hooks;
    if (args.attributes) this.setAttributes(args.attributes);
    if (args.links) this.addLinks(args.links);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.endMs !== undefined || value === undefined || value === null || key.length === 0) return this;
    if (!(key in this.attributes)) {
      if (this.attributeCount >= LIMIT) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    this.attributes[key] = this.hooks.isSecret(key) ? REDACTED : value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.endMs !== undefined) return this;
    if (this.events.length >= LIMIT) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: Attributes = {};
    let at = time;
    if (attributesOrTime instanceof Date || Array.isArray(attributesOrTime) || typeof attributesOrTime === 'number') {
      at = attributesOrTime;
    } else if (attributesOrTime) {
      attributes = attributesOrTime as Attributes;
    }
    const kept: Attributes = {};
    let n = 0;
    let dropped = 0;
    for (const key of Object.keys(attributes)) {
      const v = attributes[key];
      if (v === undefined || v === null) continue;
      if (n >= LIMIT) {
        dropped++;
        continue;
      }
      kept[key] = this.hooks.isSecret(key) ? REDACTED : v;
      n++;
    }
    this.events.push({ name, timeMs: toEpochMs(at), attributes: kept, droppedAttributesCount: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.endMs !== undefined) return this;
    if (this.links.length >= LIMIT) this.droppedLinksCount++;
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endMs !== undefined) return this;
    // an OK status is final (SDK spec: "Ok" overrides and cannot be changed by later calls)
    if (this.status.code === SpanStatusCode.OK) return this;
    if (status.code === SpanStatusCode.UNSET) return this;
    this.status =
      status.code === SpanStatusCode.ERROR ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (this.endMs === undefined) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.endMs !== undefined) return;
    const end = endTime === undefined ? nowMs() : toEpochMs(endTime);
    this.endMs = Math.max(end, this.startMs);
    this.hooks.onEnd(this);
  }

  isRecording(): boolean {
    return this.endMs === undefined;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      const e = exception as { name?: string; message?: string; stack?: string; code?: string | number };
      if (e.name) attributes['exception.type'] = e.name;
      else if (e.code !== undefined) attributes['exception.type'] = String(e.code);
      if (e.message) attributes['exception.message'] = e.message;
      if (e.stack) attributes['exception.stacktrace'] = e.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}
