"""Container runtime: host processes behind one small interface (:mod:`.types`).

:mod:`.process` is the real runtime (shims, cgroups, namespaces, re-adoption after a kubelet
restart); :mod:`.fake` is the in-memory one the pod worker tests use. Nothing is imported
here, so the shim starts small.
"""
