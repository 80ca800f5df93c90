"""Monitoring: the real Prometheus and Alertmanager around an observe cluster.

Debian's ``prometheus`` and ``prometheus-alertmanager`` do the work; this package only
prepares it:

- :mod:`.binaries` finds the Debian programs (``.ci/setup`` installs them);
- :mod:`.rules` turns the alert rules kept in ``compose/prometheus/rules`` (the one place
  both ``observe up`` and the compose stack read them from) into the files a Prometheus
  loads, with ``for:`` shortened on request;
- :mod:`.jobs` names the scrape jobs and their labels as kube-prometheus has them;
  :mod:`.targets` computes their targets from the live cluster, and :mod:`.sd` serves them
  to Prometheus' ``http_sd_configs`` (``observe prometheus-sd``), since Debian's Prometheus
  has no Kubernetes discovery;
- :mod:`.prometheus_config` and :mod:`.alertmanager_config` render the two configuration
  files; :mod:`.prometheus_main` and :mod:`.alertmanager_main` write them and become the
  Debian program (``observe prometheus``, ``observe alertmanager``), so the supervisor
  watches the real process;
- :mod:`.compose` and :mod:`.dashboards` write the files kept in the tree from the same
  code: the compose stack's two configuration files and the Grafana dashboards.

``observe up`` runs ``prometheus-sd``, ``alertmanager`` and ``prometheus`` (see
``observe/supervisor/specs.py``) when the Debian programs are installed.
"""
