"""Rules that protect people, each written once and used by every channel and output.

- ``methods``: HEAD is GET and never processes a body; CSRF and rate limits cover
  every state-changing method.
- ``requests``: bounded JSON, a request id on every answer, errors in the caller's format.
- ``authorization``: what a staff member may read or change, in which reviews.
- ``publication``: whether contributor words may leave the staff views.
- ``disclosure``: small counts suppressed, with complementary suppression.
- ``encoding``: one escaping per output format.

Redaction of personal data in free text lives in ``intake_api.redaction``.
"""
