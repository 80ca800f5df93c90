"""The kube-state-metrics face of the pod exporter: cluster-wide object state as metrics.

One informer per kind (:mod:`.exporter`) lists and watches the API through two wrappers
(:mod:`.listwatch`): one counts lists and watches as ksm's self-metrics, the other renders
each arriving object with its kind's generators (:mod:`.metrics`, one module per kind) into
cached text blocks (:mod:`.store`), so the informers hold rendered metrics, not objects, as
ksm's metrics store does. A scrape of ``/metrics`` (:mod:`.server`) only concatenates those
blocks, family by family, in ksm's exact format (:mod:`.exposition`). :mod:`.main` is the
``observe pod-exporter`` entry point.
"""
