"""Prometheus metrics of one service instance: HTTP traffic, appends, clocks, breaches and scheduler lag."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Seconds; an append is one durable commit (~0.3 ms fsync here), a trail read a few ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class ServiceMetrics:
    """The metric objects of one app; later code (scheduler, projections) sets the gauges it owns."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    appends: Counter
    open_clocks: Gauge
    breaches: Gauge
    scheduler_lag: Gauge


def build_metrics() -> ServiceMetrics:
    """Fresh metrics in a registry of their own (so each app, e.g. each test's, counts from zero)."""
    registry = CollectorRegistry(auto_describe=True)
    return ServiceMetrics(
        registry=registry,
        requests=Counter(
            "compliance_http_requests", "HTTP requests by route template, method and status",
            ("method", "route", "status"), registry=registry,
        ),
        latency=Histogram(
            "compliance_http_request_duration_seconds", "HTTP request latency by route template and status",
            ("method", "route", "status"), buckets=LATENCY_BUCKETS, registry=registry,
        ),
        appends=Counter("compliance_events_appended", "Events appended through the API", registry=registry),
        open_clocks=Gauge("compliance_open_clocks", "Open clocks in the portfolio (set by the monitoring scan)",
                          registry=registry),
        breaches=Gauge("compliance_breached_clocks", "Breached clocks in the portfolio (set by the monitoring scan)",
                       registry=registry),
        scheduler_lag=Gauge(
            "compliance_scheduler_lag_seconds", "How late the last scheduler run started, by job",
            ("job",), registry=registry,
        ),
    )


def render(metrics: ServiceMetrics) -> tuple[bytes, str]:
    """The Prometheus text exposition of these metrics and its content type."""
    return generate_latest(metrics.registry), CONTENT_TYPE_LATEST
