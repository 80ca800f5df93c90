"""Revisioned key-value store behind the apiserver (kine-like SQLite by default)."""
