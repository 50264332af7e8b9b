"""Slack listeners grouped by kind; each module offers ``register(app, context)``."""
