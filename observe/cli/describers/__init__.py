"""``describe`` output per kind, kubectl's layout: one module per family of kinds.

Each describer is a pair: ``fetch(session, obj)`` gathers what the description needs
besides the object (events, the pods or ReplicaSets it controls, endpoints, a lease) and
``render(obj, related, now)`` is a pure function turning it all into text, so the layout is
tested without a server. :mod:`observe.cli.describe` picks the describer by kind.
"""
