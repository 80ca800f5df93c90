"""``prometheus.yml``: one scrape config per job of :mod:`.jobs`, each fed by
``observe prometheus-sd`` through ``http_sd_configs``, the alert rules, and the
Alertmanagers to send alerts to.

Pure: :func:`prometheus_config` turns :class:`PrometheusSettings` into the document, which
``observe prometheus`` and the compose stack's ``compose/prometheus/prometheus.yml`` both
come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from observe.monitoring.durations import format_duration
from observe.monitoring.jobs import JOBS, ScrapeJob

# Prometheus' own default; a scrape may not take longer than its interval.
DEFAULT_SCRAPE_TIMEOUT = 10.0


@dataclass(frozen=True)
class PrometheusSettings:
    sd_url: str
    """Base URL of ``observe prometheus-sd`` (``http://127.0.0.1:9797``)."""

    alertmanagers: tuple[str, ...]
    """``host:port`` of each Alertmanager alerts go to."""

    rule_files: tuple[str, ...]
    """Paths or globs of the rule files to load."""

    scrape_interval: float = 15.0
    """Seconds between scrapes of each target."""

    evaluation_interval: float = 15.0
    """Seconds between evaluations of the rules."""

    sd_refresh_interval: float = 10.0
    """Seconds between polls of the service discovery: how soon a new Node is scraped."""


def scrape_config(job: ScrapeJob, settings: PrometheusSettings) -> dict[str, Any]:
    return {
        "job_name": job.name,
        "honor_labels": job.honor_labels,
        "http_sd_configs": [{
            "url": f"{settings.sd_url.rstrip('/')}/targets/{job.name}",
            "refresh_interval": format_duration(settings.sd_refresh_interval),
        }],
    }


def prometheus_config(settings: PrometheusSettings) -> dict[str, Any]:
    timeout = min(DEFAULT_SCRAPE_TIMEOUT, settings.scrape_interval)
    doc: dict[str, Any] = {"global": {
        "scrape_interval": format_duration(settings.scrape_interval),
        "scrape_timeout": format_duration(timeout),
        "evaluation_interval": format_duration(settings.evaluation_interval),
    }}
    if settings.alertmanagers:
        doc["alerting"] = {"alertmanagers": [{
            "api_version": "v2",
            "static_configs": [{"targets": list(settings.alertmanagers)}],
        }]}
    doc["rule_files"] = list(settings.rule_files)
    doc["scrape_configs"] = [scrape_config(job, settings) for job in JOBS]
    return doc
