"""Where records go: one small interface (:class:`~.base.Output`), several stores.

- :mod:`.bulk`: the Elasticsearch/OpenSearch ``_bulk`` logic shared by both (actions with
  deterministic ids, per-item results); only the client differs:
  :mod:`.opensearch` (``opensearch-py``) and :mod:`.elasticsearch` (``elasticsearch`` 8.x,
  which talks to Elasticsearch 8 and 9);
- :mod:`.forward`: the Fluentd forward protocol (PackedForward with ``chunk``/``ack``);
- :mod:`.stdout` and :mod:`.null`: for debugging and benchmarks;
- :mod:`.fake`: a scripted bulk endpoint for tests of the logic around outputs.
"""
