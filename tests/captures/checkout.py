"""A small cart flow traced with the OpenTelemetry Python SDK, each service
with its own TracerProvider and OTLP/HTTP protobuf exporter (Python's
exporter sends protobuf only), so the spans of one trace arrive in one
request per service, as they do from real services. Calls between services
carry W3C traceparent headers through the SDK's propagator, as HTTP would.
The inventory service's exporter gzips its requests (saved as sent). See
README.md.

    OTLP_BASE=http://127.0.0.1:4319 python3 checkout.py
"""
import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

BASE = os.environ.get("OTLP_BASE", "http://127.0.0.1:4319")
PROPAGATOR = TraceContextTextMapPropagator()


def provider(service, host, gzip=False):
    p = TracerProvider(resource=Resource.create({"service.name": service, "host.name": host}))
    exporter = OTLPSpanExporter(
        endpoint=f"{BASE}/python/{service}/v1/traces",
        compression=Compression.Gzip if gzip else Compression.NoCompression,
    )
    p.add_span_processor(BatchSpanProcessor(exporter))
    return p


PROVIDERS = {
    "frontend": provider("frontend", "web-1"),
    "cart": provider("cart", "cart-3"),
    "inventory": provider("inventory", "inv-2", gzip=True),
}
TRACERS = {name: p.get_tracer(f"shop.{name}", "0.9.0") for name, p in PROVIDERS.items()}


def call(service, name, carrier, handler):
    """The server side of an HTTP call: the parent comes from the headers."""
    ctx = PROPAGATOR.extract(carrier)
    with TRACERS[service].start_as_current_span(name, context=ctx, kind=SpanKind.SERVER) as span:
        span.set_attribute("http.request.method", "POST")
        return handler(span)


def client(service, name, target, target_name, handler):
    """The client side: a CLIENT span whose context goes out in headers."""
    with TRACERS[service].start_as_current_span(name, kind=SpanKind.CLIENT) as span:
        span.set_attribute("server.address", target)
        carrier = {}
        PROPAGATOR.inject(carrier)
        try:
            return call(target, target_name, carrier, handler)
        except Exception as e:
            span.set_status(Status(StatusCode.ERROR, str(e)))
            raise


def reserve(sku, available):
    def handler(span):
        with TRACERS["inventory"].start_as_current_span("SELECT stock", kind=SpanKind.CLIENT) as db:
            db.set_attribute("db.system.name", "postgresql")
            db.set_attribute("db.query.text", "SELECT qty FROM stock WHERE sku = $1")
        if not available:
            e = RuntimeError(f"out of stock: {sku}")
            span.record_exception(e)
            span.set_status(Status(StatusCode.ERROR, str(e)))
            raise e
        return "reserved"

    return handler


def add_to_cart(sku, available):
    def cart_handler(span):
        span.set_attribute("cart.items", 3)
        return client("cart", "POST /reserve", "inventory", "POST /reserve", reserve(sku, available))

    with TRACERS["frontend"].start_as_current_span("POST /cart", kind=SpanKind.SERVER) as root:
        root.set_attribute("http.route", "/cart")
        try:
            client("frontend", "POST /items", "cart", "POST /items", cart_handler)
        except RuntimeError as e:
            root.set_status(Status(StatusCode.ERROR, str(e)))


add_to_cart("sku-1", True)
add_to_cart("sku-2", False)
add_to_cart("sku-3", True)
for p in PROVIDERS.values():
    p.shutdown()
