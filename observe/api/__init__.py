"""Object machinery shared by every component: the resource registry, per-kind defaulting and
validation (:mod:`observe.api.kinds`), ObjectMeta rules, selectors, patches, tables and
Kubernetes ``Status`` errors. Pure functions over plain ``dict`` objects; no I/O."""
