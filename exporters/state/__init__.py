"""The kube-state-metrics face of the pod exporter: cluster-wide object state as metrics.

Informers (:mod:`observe.client.informer`) keep one collection per kind; on every change a
kind's generators (:mod:`exporters.state.metrics`) turn the object into its samples, which
:mod:`.store` renders to text once and keeps until the object changes again, the way
kube-state-metrics' metrics store does. A scrape (:mod:`.server`) only concatenates those
cached blocks, family by family. :mod:`.main` is the ``observe pod-exporter`` entry point.
"""
