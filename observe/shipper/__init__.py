"""The node log shipper: container log files → records → Elasticsearch/OpenSearch/Fluentd.

One shipper runs per node (``observe shipper``). Data flows one way through small modules:

::

    tailer (files, rotation, truncation, fingerprints)      checkpoints (SQLite offsets)
      │ complete physical lines with their offsets                 ▲ after the output acked
      ▼                                                            │
    formats (CRI / Docker json-file, P/F joining) → multiline (stack traces)
      ▼                                                            │
    parsing (JSON merge, level) → fields (ECS document + pod metadata from metadata)
      ▼                                                            │
    delivery (batches, per-item results, retries, dead letters, memory budget) → outputs
                                                        (opensearch, elasticsearch, forward,
                                                         stdout, null)

Around them: :mod:`.record` (what travels to an output), :mod:`.deadletter`,
:mod:`.metrics` (``/metrics``), :mod:`.config` and :mod:`.main` (``observe shipper``).

Every record carries the fingerprint of its file and the offset of its first byte; its
document ``_id`` is made of both, and it is sent with bulk ``create``, so a replay after a
crash is absorbed by the store (409) instead of duplicated. Offsets are checkpointed only up
to the oldest record not yet acknowledged. When the store is down, the memory budget fills
and reading stops: the files are the buffer.
"""
