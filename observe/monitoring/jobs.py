"""The scrape jobs, and the target labels kube-prometheus' ServiceMonitors give them.

Alert rules and dashboards written for kube-prometheus select series by these labels
(``job="kubelet", metrics_path="/metrics/cadvisor"``, ``job="node-exporter"``, ...), so
observe's targets carry the same ones: :mod:`.targets` attaches :attr:`ScrapeJob.labels`
to every target of a job, and :mod:`.prometheus_config` makes one scrape config per job.

``honor_labels`` is kube-prometheus' choice too: kube-state-metrics and the kubelet's
cAdvisor endpoint export series *about* pods, whose own ``namespace``/``pod``/``container``
labels must win over the target's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScrapeJob:
    name: str
    """The ``job`` label and the scrape config's ``job_name``."""

    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on every target of the job besides ``job`` and ``instance``."""

    honor_labels: bool = False


APISERVER = ScrapeJob("apiserver", {"namespace": "default", "service": "kubernetes",
                                    "endpoint": "https"})
KUBE_SCHEDULER = ScrapeJob("kube-scheduler", {"namespace": "kube-system",
                                              "service": "kube-scheduler",
                                              "endpoint": "https-metrics"})
KUBE_CONTROLLER_MANAGER = ScrapeJob("kube-controller-manager", {
    "namespace": "kube-system", "service": "kube-controller-manager",
    "endpoint": "https-metrics"})
KUBELET = ScrapeJob("kubelet", {"namespace": "kube-system", "service": "kubelet",
                                "endpoint": "https-metrics"}, honor_labels=True)
NODE_EXPORTER = ScrapeJob("node-exporter", {"namespace": "monitoring",
                                            "service": "node-exporter", "endpoint": "https"})
# kube-prometheus drops namespace/service/pod/endpoint from this job's targets: every series
# describes some other object, and a target label would be wrongly attached to the series
# that lack it (a Node has no namespace).
KUBE_STATE_METRICS = ScrapeJob("kube-state-metrics", honor_labels=True)

JOBS: tuple[ScrapeJob, ...] = (APISERVER, KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER, KUBELET,
                               NODE_EXPORTER, KUBE_STATE_METRICS)
BY_NAME: Mapping[str, ScrapeJob] = {job.name: job for job in JOBS}

# The kubelet serves its own metrics and cAdvisor's on two paths of one port; each is a
# target of the ``kubelet`` job, told apart by the ``metrics_path`` label.
KUBELET_PATHS = ("/metrics", "/metrics/cadvisor")
