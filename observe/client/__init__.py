"""Clients of the API: async client, informer, workqueue, and a sync facade for the CLI."""
