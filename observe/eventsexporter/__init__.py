"""The events exporter: cluster Events into the log store, so their history outlives the
API's event TTL and triage can search it next to the logs.

One runs per cluster (``observe events-exporter``). It talks to the cluster only through
the API (an informer on ``/api/v1/events``) and to the store through the shipper's bulk
output and delivery loop, so it has the same guarantees: deterministic ids with bulk
``create`` (a resend is a 409, never a duplicate), per-item retries, dead letters.

- :mod:`.documents`: an Event → its document, id and daily index (pure);
- :mod:`.exporter`: informer handlers → pending documents → delivery;
- :mod:`.main`: flags, health and metrics, the retention job.
"""
