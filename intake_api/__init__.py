"""gcm-intake: the application core and its HTTP face.

The app factory lives in the composition root, ``intake_api.app`` (``gunicorn
'intake_api.app:create_app()'``, ``flask --app intake_api.app``); this package imports
nothing, so importing any of its modules never pulls in a channel.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gcm-intake")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
