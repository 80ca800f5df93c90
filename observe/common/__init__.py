"""Pieces every long-running component shares (health/metrics endpoint, process set-up)."""
