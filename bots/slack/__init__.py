"""The Slack app (bolt): Network staff capture, moderate and follow the reviews."""
