"""The in-tree scheduler plugins, one module each, and the name -> factory registry.

Each module defines a plugin class with a ``name``, the extension points it needs (see
:mod:`observe.scheduler.framework`) and a module-level ``new(args, handle)`` factory;
:mod:`.registry` maps names to factories and lists the default profile, in kube-scheduler's
order and with its weights. Rejection reasons are upstream's strings, because they end up in
FailedScheduling events that people (and tools) read.
"""
