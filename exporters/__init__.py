"""Exporters: processes that turn a node's (or a cluster's) state into Prometheus metrics
under the names the community's dashboards and alert rules already use.

They talk to the rest of observe only through the API and the node endpoints, so each one
runs unchanged against a real Kubernetes node or cluster.
"""
