"""A review page's participation, attacked: no small count can be worked out from it.

Inputs skewed like a review's first weeks (two large groups, a tail of ones and twos);
the page is read back as a reader sees it ("<5" is 1 to 4, "x" anything, a group not
listed is 0) and the independent attacker (integer programming over the table's sum)
must pin no hidden count, nor bring any into the range 1 to 4 it could tell apart.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from intake_api.i18n import gettext
from models.reference import STAKEHOLDER_GROUPS
from tests.factories import input_answers
from tests.intake_api.policies.disclosure_attacker import integer_ranges

SKEW = {"migrant": 30, "youth": 22, "civil_society": 6, "diaspora": 3, "academia": 2, "media": 1}
ROW = re.compile(r'<th scope="row">([^<]*)</th><td class="n"><bdi dir="ltr">([^<]*)</bdi>')


@pytest.mark.parametrize("skew", [SKEW, {"youth": 40, "migrant": 1}, {"youth": 9, "media": 4}])
def test_no_small_count_can_be_worked_out_from_a_review_page(client, runtime, skew):
    n = 0
    for group, count in skew.items():
        for _ in range(count):
            runtime.service.submit_input(
                input_answers(stakeholder_group=group), channel="web", message_id=f"i{n}",
                locale="en",
            )  # fmt: skip
            n += 1
    page = client.get("/en/reviews/escwa").get_data(as_text=True)
    section = page.split("Participation so far", 1)[1].split("</table>", 1)[0]
    total = re.search(r'Inputs received: <bdi dir="ltr">([^<]*)</bdi>', section)
    assert total
    rows = {unescape(label): unescape(value) for label, value in ROW.findall(section)}
    names = {gettext("en", label): code for code, label in STAKEHOLDER_GROUPS.items()}
    if set(rows) == {"Each stakeholder group"}:
        assert rows["Each stakeholder group"] == "x"
        # The attacker is told more than the page says: which groups are 0.
        listed: dict[str, str] = {code: "x" for code in skew}
    else:
        listed = {names[label]: value for label, value in rows.items()}
    shown: dict[str, int] = {}
    hidden: dict[str, str] = {}
    for code in STAKEHOLDER_GROUPS:
        value = listed.get(code, "0")  # a group left out of the list is shown as 0
        if value.isdigit():
            shown[code] = int(value)
        else:
            hidden[code] = "small" if value == "<5" else "any"
    shown_total = unescape(total.group(1))
    if shown_total.isdigit():
        shown["inputs"] = int(shown_total)
    else:
        hidden["inputs"] = "any"
    for code, value in shown.items():
        assert value == (n if code == "inputs" else skew.get(code, 0)), code
        assert not 1 <= value < 5, code
    if not hidden:
        return
    ranges = integer_ranges([("inputs", list(STAKEHOLDER_GROUPS))], shown, hidden)
    for key, (low, high) in ranges.items():
        assert low != high, (key, low, high)  # no hidden count is pinned
