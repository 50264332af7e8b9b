"""The staff JSON API (/api/v1)."""
