"""The ``observe`` command line: kubectl-like verbs plus up/down/status."""
