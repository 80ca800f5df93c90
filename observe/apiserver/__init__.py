"""The Kubernetes-compatible API server (aiohttp)."""
