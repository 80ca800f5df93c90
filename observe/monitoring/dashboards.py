"""The Grafana dashboards observe ships, written as data (:mod:`.grafana`) and rendered to
Grafana JSON.

    python -m observe.monitoring.dashboards [DIR]    # (re)writes DIR/*.json, by default
                                                     # the source tree's dashboards/grafana

Four dashboards: cluster overview, nodes, workloads/pods and control plane. Every panel
queries the Prometheus picked in the ``datasource`` variable, with the job and label names
of :mod:`.jobs` and of the recording rules in ``compose/prometheus/rules``; queries use
``$__rate_interval`` so they suit any scrape interval. The JSON files in the tree are the
output of this module (a test keeps them in step) and import into Grafana as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

from observe.monitoring.grafana import Dashboard, Row, Variable, q, stat, table, to_json, ts
from observe.monitoring.rules import source_root

KSM = 'job="kube-state-metrics"'
NODE = 'job="node-exporter", instance=~"$node"'
CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor"'
POD_SELECTION = 'namespace=~"$namespace", pod=~"$pod"'

CLUSTER = Dashboard(
    uid="observe-cluster", title="observe / Cluster overview",
    description="The whole cluster at a glance: nodes, pods, resource use and commitments, "
                "alerts and scrape health.",
    rows=(
        Row("Health", (
            stat("Nodes", f"count(kube_node_info{{{KSM}}})"),
            stat("Nodes not Ready", f"count(kube_node_status_condition{{{KSM}, "
                                    f'condition="Ready", status="true"}} == 0) or vector(0)'),
            stat("Pods running", f'sum(kube_pod_status_phase{{{KSM}, phase="Running"}})'),
            stat("Pods not running", f"sum(kube_pod_status_phase{{{KSM}, "
                                     f'phase=~"Pending|Failed|Unknown"}}) or vector(0)'),
            stat("Firing alerts", 'count(ALERTS{alertstate="firing"}) or vector(0)'),
            stat("Targets down", "count(up == 0) or vector(0)"),
        )),
        Row("Resources", (
            ts("CPU usage by namespace", q(
                "sum by (namespace) "
                "(node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m)",
                "{{namespace}}"), unit="cores"),
            ts("Memory usage by namespace", q(
                "sum by (namespace) "
                "(node_namespace_pod_container:container_memory_working_set_bytes)",
                "{{namespace}}"), unit="bytes"),
            ts("Requests committed of allocatable", q(
                "sum(namespace_cpu:kube_pod_container_resource_requests:sum) / "
                f'sum(kube_node_status_allocatable{{{KSM}, resource="cpu"}})', "CPU"), q(
                "sum(namespace_memory:kube_pod_container_resource_requests:sum) / "
                f'sum(kube_node_status_allocatable{{{KSM}, resource="memory"}})', "memory"),
                unit="percentunit",
                description="What pods request, as a share of what the nodes can give. "
                            "Above 100% new pods stay Pending."),
            ts("Node utilisation", q(
                'avg by (instance) (1 - rate(node_cpu_seconds_total{job="node-exporter", '
                'mode="idle"}[$__rate_interval]))', "CPU {{instance}}"), q(
                '1 - node_memory_MemAvailable_bytes{job="node-exporter"} / '
                'node_memory_MemTotal_bytes{job="node-exporter"}', "memory {{instance}}"),
                unit="percentunit"),
        )),
        Row("Workloads", (
            ts("Pods by phase", q(f"sum by (phase) (kube_pod_status_phase{{{KSM}}})",
                                  "{{phase}}")),
            ts("Container restarts by namespace", q(
                f"sum by (namespace) (increase(kube_pod_container_status_restarts_total"
                f"{{{KSM}}}[10m]))", "{{namespace}}"),
                description="Restarts in the last 10 minutes."),
            ts("Firing alerts by severity", q(
                'count by (severity) (ALERTS{alertstate="firing"})', "{{severity}}")),
            ts("Scrape targets up by job", q("sum by (job) (up) / count by (job) (up)",
                                             "{{job}}"), unit="percentunit"),
        )),
    ),
)

NODES = Dashboard(
    uid="observe-nodes", title="observe / Nodes",
    description="Each node's CPU, memory, disks and network from the node exporter, and the "
                "pods its kubelet runs.",
    variables=(Variable("node", "Node", 'label_values(up{job=~"node-exporter|kubelet"}, node)'),),
    rows=(
        Row("Overview", (
            stat("CPU cores", f'count(node_cpu_seconds_total{{{NODE}, mode="idle"}})'),
            stat("Memory", f"sum(node_memory_MemTotal_bytes{{{NODE}}})", unit="bytes"),
            stat("Uptime", f"min(time() - node_boot_time_seconds{{{NODE}}})", unit="s"),
            stat("Running pods", 'sum(kubelet_running_pods{job="kubelet", node=~"$node"})'),
            stat("Load (1m) per core", f"sum(node_load1{{{NODE}}}) / "
                                       f'count(node_cpu_seconds_total{{{NODE}, mode="idle"}})'),
            stat("Memory used", f"1 - sum(node_memory_MemAvailable_bytes{{{NODE}}}) / "
                                f"sum(node_memory_MemTotal_bytes{{{NODE}}})",
                 unit="percentunit"),
        )),
        Row("CPU and memory", (
            ts("CPU by mode", q(
                f"sum by (instance, mode) (rate(node_cpu_seconds_total{{{NODE}, "
                f'mode!="idle"}}[$__rate_interval])) / on (instance) group_left () '
                f'count by (instance) (node_cpu_seconds_total{{{NODE}, mode="idle"}})',
                "{{instance}} {{mode}}"), unit="percentunit"),
            ts("Load average", q(f"node_load1{{{NODE}}}", "{{instance}} 1m"),
               q(f"node_load5{{{NODE}}}", "{{instance}} 5m"),
               q(f"node_load15{{{NODE}}}", "{{instance}} 15m")),
            ts("Memory", q(f"node_memory_MemTotal_bytes{{{NODE}}} - "
                           f"node_memory_MemAvailable_bytes{{{NODE}}}", "{{instance}} used"),
               q(f"node_memory_Cached_bytes{{{NODE}}}", "{{instance}} cached"),
               q(f"node_memory_Buffers_bytes{{{NODE}}}", "{{instance}} buffers"),
               q(f"node_memory_MemFree_bytes{{{NODE}}}", "{{instance}} free"), unit="bytes"),
            ts("Pressure stalls", q(
                f"rate(node_pressure_cpu_waiting_seconds_total{{{NODE}}}[$__rate_interval])",
                "{{instance}} CPU"), q(
                f"rate(node_pressure_memory_waiting_seconds_total{{{NODE}}}"
                f"[$__rate_interval])", "{{instance}} memory"), q(
                f"rate(node_pressure_io_waiting_seconds_total{{{NODE}}}[$__rate_interval])",
                "{{instance}} I/O"), unit="percentunit",
                description="Share of time some task waited for the resource (PSI)."),
        )),
        Row("Disks and network", (
            ts("Filesystem space used", q(
                f'1 - node_filesystem_avail_bytes{{{NODE}, fstype!="", mountpoint!=""}} / '
                f'node_filesystem_size_bytes{{{NODE}, fstype!="", mountpoint!=""}}',
                "{{instance}} {{mountpoint}}"), unit="percentunit"),
            ts("Disk throughput", q(
                f"rate(node_disk_read_bytes_total{{{NODE}}}[$__rate_interval])",
                "{{instance}} {{device}} read"), q(
                f"rate(node_disk_written_bytes_total{{{NODE}}}[$__rate_interval])",
                "{{instance}} {{device}} written"), unit="Bps"),
            ts("Network", q(
                f'rate(node_network_receive_bytes_total{{{NODE}, device!="lo"}}'
                f"[$__rate_interval])", "{{instance}} {{device}} in"), q(
                f'rate(node_network_transmit_bytes_total{{{NODE}, device!="lo"}}'
                f"[$__rate_interval])", "{{instance}} {{device}} out"), unit="Bps"),
            ts("Pod CPU on the node", q(
                "sum by (node, namespace, pod) "
                "(node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
                '{node=~"$node"})', "{{namespace}}/{{pod}}"), unit="cores"),
        )),
    ),
)

WORKLOADS = Dashboard(
    uid="observe-workloads", title="observe / Workloads and pods",
    description="Pods and their controllers: status, restarts, resource use against requests "
                "and limits, throttling and OOM kills.",
    variables=(
        Variable("namespace", "Namespace", f"label_values(kube_pod_info{{{KSM}}}, namespace)"),
        Variable("pod", "Pod",
                 f'label_values(kube_pod_info{{{KSM}, namespace=~"$namespace"}}, pod)'),
    ),
    rows=(
        Row("Status", (
            table("Pods not running", f"sum by (namespace, pod, phase) (kube_pod_status_phase"
                                      f'{{{KSM}, {POD_SELECTION}, phase!="Running"}}) > 0'),
            table("Containers waiting", "sum by (namespace, pod, container, reason) "
                                        f"(kube_pod_container_status_waiting_reason"
                                        f"{{{KSM}, {POD_SELECTION}}}) > 0"),
            table("Last termination reasons", "sum by (namespace, pod, container, reason) "
                                              "(kube_pod_container_status_last_terminated_reason"
                                              f"{{{KSM}, {POD_SELECTION}}}) > 0",
                  description="Why each container last stopped (OOMKilled, Error, ...)."),
            ts("Container restarts", q(
                "sum by (namespace, pod, container) (increase("
                f"kube_pod_container_status_restarts_total{{{KSM}, {POD_SELECTION}}}[10m]))",
                "{{namespace}}/{{pod}} {{container}}"),
                description="Restarts in the last 10 minutes."),
            ts("Deployments: desired and available replicas", q(
                f'kube_deployment_spec_replicas{{{KSM}, namespace=~"$namespace"}}',
                "{{namespace}}/{{deployment}} desired"), q(
                f'kube_deployment_status_replicas_available{{{KSM}, namespace=~"$namespace"}}',
                "{{namespace}}/{{deployment}} available")),
        )),
        Row("CPU", (
            ts("CPU usage", q(
                "sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total"
                f'{{{CADVISOR}, {POD_SELECTION}, container!=""}}[$__rate_interval]))',
                "{{namespace}}/{{pod}} {{container}}"), unit="cores"),
            ts("CPU requests and limits", q(
                "sum by (namespace, pod, container) (kube_pod_container_resource_requests"
                f'{{{KSM}, {POD_SELECTION}, resource="cpu"}})',
                "{{namespace}}/{{pod}} {{container}} request"), q(
                "sum by (namespace, pod, container) (kube_pod_container_resource_limits"
                f'{{{KSM}, {POD_SELECTION}, resource="cpu"}})',
                "{{namespace}}/{{pod}} {{container}} limit"), unit="cores"),
            ts("CPU throttling", q(
                "sum by (namespace, pod, container) (increase("
                f"container_cpu_cfs_throttled_periods_total{{{CADVISOR}, {POD_SELECTION}, "
                'container!=""}[$__rate_interval])) / sum by (namespace, pod, container) '
                f"(increase(container_cpu_cfs_periods_total{{{CADVISOR}, {POD_SELECTION}, "
                'container!=""}[$__rate_interval]))', "{{namespace}}/{{pod}} {{container}}"),
                unit="percentunit",
                description="Share of CPU periods in which the container hit its limit."),
        )),
        Row("Memory and network", (
            ts("Memory working set", q(
                "sum by (namespace, pod, container) (container_memory_working_set_bytes"
                f'{{{CADVISOR}, {POD_SELECTION}, container!=""}})',
                "{{namespace}}/{{pod}} {{container}}"), unit="bytes"),
            ts("Memory requests and limits", q(
                "sum by (namespace, pod, container) (kube_pod_container_resource_requests"
                f'{{{KSM}, {POD_SELECTION}, resource="memory"}})',
                "{{namespace}}/{{pod}} {{container}} request"), q(
                "sum by (namespace, pod, container) (kube_pod_container_resource_limits"
                f'{{{KSM}, {POD_SELECTION}, resource="memory"}})',
                "{{namespace}}/{{pod}} {{container}} limit"), unit="bytes"),
            ts("Pod network", q(
                "sum by (namespace, pod) (rate(container_network_receive_bytes_total"
                f"{{{CADVISOR}, {POD_SELECTION}}}[$__rate_interval]))",
                "{{namespace}}/{{pod}} in"), q(
                "sum by (namespace, pod) (rate(container_network_transmit_bytes_total"
                f"{{{CADVISOR}, {POD_SELECTION}}}[$__rate_interval]))",
                "{{namespace}}/{{pod}} out"), unit="Bps"),
        )),
    ),
)

CONTROL_PLANE = Dashboard(
    uid="observe-control-plane", title="observe / Control plane",
    description="The apiserver, scheduler, controller-manager and kubelets: whether they are "
                "up, how busy they are and how fast they answer.",
    rows=(
        Row("Up", (
            stat("apiserver", 'sum(up{job="apiserver"})'),
            stat("scheduler", 'sum(up{job="kube-scheduler"})'),
            stat("controller-manager", 'sum(up{job="kube-controller-manager"})'),
            stat("kubelets up", 'sum(up{job="kubelet", metrics_path="/metrics"})'),
            stat("API requests/s", 'sum(rate(apiserver_request_total{job="apiserver"}'
                                   '[$__rate_interval]))', unit="reqps"),
            stat("API errors (5xx)", 'sum(rate(apiserver_request_total{job="apiserver", '
                                     'code=~"5.."}[$__rate_interval])) or vector(0)',
                 unit="reqps"),
        )),
        Row("apiserver", (
            ts("Requests by verb", q(
                'sum by (verb) (rate(apiserver_request_total{job="apiserver"}'
                '[$__rate_interval]))', "{{verb}}"), unit="reqps"),
            ts("Requests by code", q(
                'sum by (code) (rate(apiserver_request_total{job="apiserver"}'
                '[$__rate_interval]))', "{{code}}"), unit="reqps"),
            ts("Request latency (p99)", q(
                "histogram_quantile(0.99, sum by (verb, le) (rate("
                'apiserver_request_duration_seconds_bucket{job="apiserver", '
                'verb!~"WATCH|CONNECT"}[$__rate_interval])))', "{{verb}}"), unit="s"),
            ts("Watchers and objects", q(
                'sum by (kind) (apiserver_registered_watchers{job="apiserver"})',
                "watchers {{kind}}"), q(
                'sum by (resource) (apiserver_storage_objects{job="apiserver"})',
                "objects {{resource}}")),
        )),
        Row("Scheduler and controllers", (
            ts("Scheduling attempts by result", q(
                'sum by (result) (rate(scheduler_schedule_attempts_total{job="kube-scheduler"}'
                "[$__rate_interval]))", "{{result}}"), unit="ops"),
            ts("Pending pods by queue", q(
                'sum by (queue) (scheduler_pending_pods{job="kube-scheduler"})', "{{queue}}")),
            ts("Scheduling attempt latency (p99)", q(
                "histogram_quantile(0.99, sum by (le) (rate("
                'scheduler_scheduling_attempt_duration_seconds_bucket{job="kube-scheduler"}'
                "[$__rate_interval])))", "p99"), unit="s"),
            ts("Controller work queues", q(
                'sum by (name) (workqueue_depth{job="kube-controller-manager"})',
                "{{name}} depth"), q(
                'sum by (name) (rate(workqueue_adds_total{job="kube-controller-manager"}'
                "[$__rate_interval]))", "{{name}} adds/s")),
            ts("Work queue wait (p99)", q(
                "histogram_quantile(0.99, sum by (name, le) (rate("
                'workqueue_queue_duration_seconds_bucket{job="kube-controller-manager"}'
                "[$__rate_interval])))", "{{name}}"), unit="s"),
            ts("API calls by component and code", q(
                "sum by (job, code) (rate(rest_client_requests_total[$__rate_interval]))",
                "{{job}} {{code}}"), unit="reqps"),
        )),
        Row("Kubelets and processes", (
            ts("Running pods and containers", q(
                'sum by (node) (kubelet_running_pods{job="kubelet"})', "{{node}} pods"), q(
                'sum by (node) (kubelet_running_containers{job="kubelet", '
                'container_state="running"})', "{{node}} containers")),
            ts("Pod start latency (p99)", q(
                "histogram_quantile(0.99, sum by (node, le) (rate("
                'kubelet_pod_start_duration_seconds_bucket{job="kubelet"}[$__rate_interval])))',
                "{{node}}"), unit="s"),
            ts("Component CPU", q(
                "sum by (job, instance) (rate(process_cpu_seconds_total[$__rate_interval]))",
                "{{job}} {{instance}}"), unit="cores"),
            ts("Component memory", q(
                "sum by (job, instance) (process_resident_memory_bytes)",
                "{{job}} {{instance}}"), unit="bytes"),
        )),
    ),
)

DASHBOARDS: tuple[tuple[str, Dashboard], ...] = (
    ("cluster-overview.json", CLUSTER),
    ("nodes.json", NODES),
    ("workloads.json", WORKLOADS),
    ("control-plane.json", CONTROL_PLANE),
)


def default_dir() -> Path:
    return source_root() / "dashboards" / "grafana"


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, dashboard in DASHBOARDS:
        path = directory / name
        path.write_text(to_json(dashboard), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else default_dir()
    for path in write_all(directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
