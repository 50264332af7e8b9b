"""The fault suite: the store, the chat platforms and SMTP failing in every way, and processes killed."""

from tests.faults.outages import private_postgres  # noqa: F401 - a fixture for every test here
