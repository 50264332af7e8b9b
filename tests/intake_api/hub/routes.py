"""Every public Hub route, from the app's URL map, with its arguments filled."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import product
from typing import Any

from flask import url_for

from intake_api.i18n import LOCALES

HUB = "hub."


def hub_rules(app: Any) -> list[Any]:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(HUB)]
    assert len(rules) >= 8, [r.rule for r in rules]
    return rules


def _choices(rule: Any, name: str) -> list[str]:
    """The values an ``any(...)`` converter accepts."""
    converter = rule._converters[name]
    match = re.fullmatch(r"\(\?:(.*)\)", converter.regex)
    assert match, converter.regex
    return [re.sub(r"\\(.)", r"\1", v) for v in match.group(1).split("|")]


def hub_urls(app: Any, values: Callable[[str], dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) of every public route in every locale, arguments from
    ``values(endpoint)`` (a value may be a list: one URL each); ``any(...)`` arguments take
    each of their values."""
    for rule in hub_rules(app):
        given_values = values(rule.endpoint)
        options: dict[str, list[Any]] = {}
        for name in sorted(rule.arguments):
            if name == "locale":
                options[name] = list(LOCALES)
            elif name in given_values:
                given = given_values[name]
                options[name] = given if isinstance(given, list) else [given]
            else:
                options[name] = _choices(rule, name)
        names = list(options)
        for combination in product(*(options[n] for n in names)):
            args = dict(zip(names, combination, strict=True))
            with app.test_request_context():
                yield rule.endpoint, url_for(rule.endpoint, **args)
