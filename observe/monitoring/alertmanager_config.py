"""``alertmanager.yml``: one route to the webhook receivers (the triage service), grouped
by alert name and namespace, with kube-prometheus' inhibitions.

Pure: :func:`alertmanager_config` turns :class:`AlertmanagerSettings` into the document.
Without a webhook every alert still reaches Alertmanager (its UI and ``/api/v2/alerts``
show them) and goes to a receiver that notifies nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from observe.monitoring.durations import format_duration

DEFAULT_RECEIVER = "default"
WEBHOOK_RECEIVER = "webhook"
# Labels that tell two alerts of the same name apart beyond their namespace: a critical
# filesystem alert silences the warning for the same filesystem, not for every one.
INHIBIT_EQUAL = ("alertname", "namespace", "instance", "mountpoint")


@dataclass(frozen=True)
class AlertmanagerSettings:
    webhook_urls: tuple[str, ...] = ()
    """Where notifications are POSTed (Alertmanager's webhook payload, version 4)."""

    group_by: tuple[str, ...] = ("alertname", "namespace")

    group_wait: float = 30.0
    """Seconds a new group waits for more alerts before its first notification."""

    group_interval: float = 300.0
    """Seconds between notifications about changes to a group."""

    repeat_interval: float = 4 * 3600.0
    """Seconds before a notification that changed nothing is sent again."""


def alertmanager_config(settings: AlertmanagerSettings) -> dict[str, Any]:
    receivers: list[dict[str, Any]] = [{"name": DEFAULT_RECEIVER}]
    if settings.webhook_urls:
        receivers.append({"name": WEBHOOK_RECEIVER, "webhook_configs": [
            {"url": url, "send_resolved": True} for url in settings.webhook_urls]})
    return {
        "route": {
            "receiver": WEBHOOK_RECEIVER if settings.webhook_urls else DEFAULT_RECEIVER,
            "group_by": list(settings.group_by),
            "group_wait": format_duration(settings.group_wait),
            "group_interval": format_duration(settings.group_interval),
            "repeat_interval": format_duration(settings.repeat_interval),
        },
        "receivers": receivers,
        "inhibit_rules": [
            {"source_matchers": ['severity="critical"'],
             "target_matchers": ['severity=~"warning|info"'],
             "equal": list(INHIBIT_EQUAL)},
            {"source_matchers": ['severity="warning"'],
             "target_matchers": ['severity="info"'],
             "equal": list(INHIBIT_EQUAL)},
        ],
    }
