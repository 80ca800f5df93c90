"""The controller manager's reconcile loops, one module per controller.

Each controller is a thin :class:`~observe.controllers.base.Controller` loop (informer events
→ keys → work queue → workers → ``sync(key)``) around pure decision functions that tests
exercise without I/O. :mod:`observe.controllers.main` runs them all in one process
(``observe controller-manager``) over one shared informer factory. Controllers meet the rest
of the system only at the API, as in Kubernetes.
"""
