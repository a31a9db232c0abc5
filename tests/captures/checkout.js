// A small checkout, traced with the OpenTelemetry JavaScript SDK and sent by
// its two OTLP/HTTP exporters at once: each service's spans go through two
// BatchSpanProcessors, one with the protobuf exporter and one with the JSON
// exporter, so both encodings carry the very same spans. See README.md.
//
//   OTLP_BASE=http://127.0.0.1:4318 node checkout.js
'use strict';
const api = require('@opentelemetry/api');
const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { TraceState } = require('@opentelemetry/core');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');

const base = process.env.OTLP_BASE || 'http://127.0.0.1:4318';
const SCHEMA = 'https://opentelemetry.io/schemas/1.26.0';
const { SpanKind, SpanStatusCode } = api;

function provider(service, attributes) {
  return new TracerProvider({
    resource: resourceFromAttributes(
      { 'service.name': service, 'service.version': '1.4.2', 'deployment.environment.name': 'capture', ...attributes },
      { schemaUrl: SCHEMA },
    ),
    // Small limits, so that dropped counts show in the captures.
    spanLimits: { attributeCountLimit: 24, eventCountLimit: 4, linkCountLimit: 2 },
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new ProtoExporter({ url: `${base}/proto/${service}/v1/traces` }) }),
      new BatchSpanProcessor({ exporter: new JsonExporter({ url: `${base}/json/${service}/v1/traces` }) }),
    ],
  });
}

const providers = {
  gateway: provider('api-gateway', { 'host.name': 'gw-1', 'process.pid': 4242 }),
  orders: provider('orders', { 'host.name': 'orders-7', 'k8s.pod.uid': new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }),
  payment: provider('payment', { 'cloud.region': 'eu-west-1', 'service.instance.tags': ['blue', 'canary'] }),
};
const tracer = (p, name) => providers[p].getTracer(name, '2.0.1', { schemaUrl: SCHEMA });
const under = (span) => api.trace.setSpan(api.context.active(), span);

function checkout(card, remote) {
  const gw = tracer('gateway', '@shop/gateway-http');
  const orders = tracer('orders', '@shop/orders');
  const pay = tracer('payment', '@shop/payments');
  // A request from an upstream that is not traced here: a remote parent
  // with a trace state.
  let ctx = api.context.active();
  if (remote) {
    ctx = api.trace.setSpanContext(ctx, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
      traceState: new TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
    });
  }
  const root = gw.startSpan('POST /api/checkout', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'url.path': '/api/checkout', 'http.route': '/api/checkout' },
  }, ctx);
  const call = gw.startSpan('POST orders/create', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'orders', 'server.port': 8080 } }, under(root));
  const order = orders.startSpan('POST /orders', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST',
      'order.id': 'o-1001',
      'order.paid': false,
      'order.items': 3,
      'order.total': 129.95,
      'order.big_id': 2 ** 53 + 2, // an integer past 2^53, exact as a double
      'order.negative': -42,
      'order.skus': ['sku-1', 'sku-2', 'sku-3'],
      'order.quantities': [1, 2, 7],
      'order.prices': [19.99, 5.5],
      'order.flags': [true, false],
      'order.mixed': ['a', 1, 2.5, true, null],
      'order.empty_list': [],
      'order.digest': new Uint8Array([0, 1, 2, 253, 254, 255]),
      'order.customer': { id: 'c-77', tier: 'gold', visits: 12, address: { city: 'Lyon', zip: '69001' } },
      'order.note': 'Livraison à domicile, 2ᵉ étage 🚪',
      'order.nothing': null,
    },
  }, under(call));
  for (let k = 0; k < 30; k++) order.setAttribute(`order.extra.${k}`, k); // past the limit: dropped
  order.addEvent('cart.loaded', { 'cart.items': 3, 'cart.id': 'cart-9' });
  for (let k = 0; k < 6; k++) order.addEvent(`stock.checked.${k}`); // past the limit: dropped
  const db = orders.startSpan('INSERT shop.orders', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'INSERT INTO shop.orders (id, total) VALUES ($1, $2)' },
  }, under(order));
  db.end();
  const publish = orders.startSpan('publish order.created', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka' } }, under(order));
  publish.end();
  const charge = orders.startSpan('POST payments/charge', { kind: SpanKind.CLIENT }, under(order));
  const intent = pay.startSpan('POST /v1/payment_intents', {
    kind: SpanKind.SERVER,
    attributes: { 'payment.card_brand': 'visa', 'http.response.status_code': card === 'declined' ? 402 : 200 },
    links: [
      { context: publish.spanContext(), attributes: { 'link.reason': 'order created' } },
      { context: { traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', spanId: '1122334455667788', traceFlags: 1, isRemote: true, traceState: new TraceState('vendor=x') } },
      { context: db.spanContext() }, // past the limit: dropped
    ],
  }, under(charge));
  const fraud = pay.startSpan('fraud.check', { kind: SpanKind.INTERNAL, attributes: { 'fraud.score': 0.12 } }, under(intent));
  fraud.end();
  if (card === 'declined') {
    const err = new Error('card declined (402)');
    err.name = 'CardDeclinedError';
    intent.recordException(err);
    intent.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined (402)' });
    charge.setStatus({ code: SpanStatusCode.ERROR });
    order.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });
    order.setAttribute('http.response.status_code', 500);
    call.setStatus({ code: SpanStatusCode.ERROR });
    root.setStatus({ code: SpanStatusCode.ERROR, message: '500 Internal Server Error' });
  } else {
    intent.setStatus({ code: SpanStatusCode.OK });
  }
  intent.end();
  charge.end();
  order.end();
  call.end();
  root.end();
  // The consumer, later, in its own trace, linked to the message it got.
  const consume = tracer('payment', '@shop/payments').startSpan('process order.created', {
    kind: SpanKind.CONSUMER,
    root: true,
    links: [{ context: publish.spanContext(), attributes: { 'messaging.message.id': 'm-1' } }],
  });
  consume.end();
}

(async () => {
  checkout('declined', false);
  checkout('ok', true);
  for (const p of Object.values(providers)) await p.forceFlush();
  for (const p of Object.values(providers)) await p.shutdown();
})().catch((e) => { console.error(e); process.exit(1); });
