"""Disclosure control in every output, proven on the outputs themselves.

A review gets inputs with many small counts (a few large groups, many of one to four),
spread over ten days; then every output is rendered as it leaves the service: the
report in each format (and through the API), the SVG charts in the HTML, the XLSX
charts, the digest posted to Slack and sent by e-mail (through the scheduler, the fake
Slack Web API and a real SMTP server), App Home (through a signed Slack event) and the
API's stats. Each is read back (``published``) into the numbers it prints, the counts
it prints as a symbol and the sums a reader can check, and:

- every number printed is the store's own count (counted here with SQL);
- no number, bar or label of a chart is 1 to 4, and every bar is as long as its number;
- the independent attacker (``disclosure_attacker``, integer programming over every sum
  and number of that output) pins no hidden count, and no small count it could reach.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intake_api.app import create_app
from intake_api.i18n import language_label
from intake_api.reports.render import Labels
from intake_api.staff import add_staff, issue_token
from models import DigestDelivery
from models.pledge import Pledge
from models.practice import Practice
from models.reference import (
    AGE_GROUPS,
    CHANNELS,
    GENDERS,
    STAKEHOLDER_GROUPS,
    THEMES,
)
from models.registration import Registration
from models.submission import Submission, SubmissionObjective
from tests.intake_api.policies import published as read
from tests.intake_api.policies.disclosure_attacker import integer_ranges
from tests.intake_api.policies.outputs import REVIEW, every_output, slack_runtime

Key = Hashable
OTHER_REVIEW = "eca"

# Skewed like a review's first weeks: two big groups, a long tail of ones and twos.
WEIGHTS = {
    "group": {
        "migrant": 30,
        "youth": 22,
        "civil_society": 6,
        "diaspora": 3,
        "academia": 2,
        "trade_union": 2,
        "media": 1,
        "nhri": 1,
        None: 2,
    },
    "age": {"18_24": 25, "25_34": 30, "35_49": 12, "13_15": 2, "16_17": 3, "50_64": 2, None: 4},
    "gender": {"woman": 40, "man": 35, "other": 2, None: 5},
    "channel": {"web": 50, "telegram": 30, "slack": 6, "api": 2},
    "locale": {"ar": 45, "en": 30, "fr": 8, "es": 2, "ru": 1},
    "theme": {
        "priorities_gaps": 30,
        "cooperation": 20,
        "governance": 6,
        "progress_monitoring": 2,
        None: 2,
    },
    "country": {"JO": 30, "LB": 25, "EG": 8, "IQ": 3, "SY": 2, "YE": 1, "MA": 1, None: 3},
    "language": {None: 60, "ar": 10, "en": 8, "so": 2, "ti": 1},
}
OBJECTIVE_WEIGHTS = {6: 20, 7: 15, 2: 8, 15: 6, 16: 3, 23: 2, 21: 1, 9: 1}


def _draw(rng: random.Random, name: str):  # type: ignore[no-untyped-def]
    weights = WEIGHTS[name]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plant(engine: Engine, *, seed: int, now: datetime, inputs: int = 140) -> None:
    """Inputs of the review over the last ten days (some today, some flagged, some repeated),
    a few for another review, and pledges, practices and registrations. None is within two
    hours of a whole number of days ago, where the week and the digest's period begin."""
    rng = random.Random(seed)
    with Session(engine) as session:
        rows = []
        for n in range(inputs + 12):
            review = REVIEW if n < inputs else OTHER_REVIEW
            created = now - timedelta(
                days=rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]), hours=rng.randint(2, 20)
            )
            row = Submission(
                receipt=f"IN-T{n:03d}",
                channel=_draw(rng, "channel"),
                channel_message_id=f"d{n}",
                locale=_draw(rng, "locale"),
                consent_version="test",
                review_slug=review,
                text=f"Input number {n} about recruitment fees and regular pathways.",
                consent_quote=rng.random() < 0.5,
                stakeholder_group=_draw(rng, "group"),
                age_group=_draw(rng, "age"),
                gender=_draw(rng, "gender"),
                theme=_draw(rng, "theme"),
                country=_draw(rng, "country"),
                language=_draw(rng, "language"),
                status=rng.choice(
                    ["new", "reviewed", "included", "included", "flagged"] if n % 9 else ["flagged"]
                ),
                created_at=created,
                updated_at=created,
            )
            session.add(row)
            session.flush()
            for number in set(
                rng.choices(list(OBJECTIVE_WEIGHTS), weights=list(OBJECTIVE_WEIGHTS.values()), k=2)
            ):
                session.add(SubmissionObjective(submission_id=row.id, objective_number=number))
            rows.append(row)
        for members in (rows[0:2], rows[2:5], rows[5:12]):  # campaigns of 2, 3 and 7 inputs
            for row in members:
                row.duplicate_group = members[0].id
                row.created_at = now - timedelta(hours=3)
        for n in range(9):
            session.add(
                Registration(
                    receipt=f"RG-T{n:03d}",
                    channel="web",
                    channel_message_id=f"g{n}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    name=b"x",
                    attendance_mode="in_person" if n % 3 else "virtual",
                    travel_support=n in (1, 2),
                    created_at=now - timedelta(hours=n),
                )
            )
        for n in range(2):
            session.add(
                Pledge(
                    receipt=f"PL-T{n:03d}",
                    channel="web",
                    channel_message_id=f"p{n}",
                    locale="en",
                    consent_version="test",
                    review_slug=REVIEW,
                    organisation="Ministry",
                    title="Fair fees",
                    text="We pledge.",
                    objectives=[6],
                    created_at=now - timedelta(hours=2),
                )
            )
        session.add(
            Practice(
                receipt="PR-T000",
                channel="web",
                channel_message_id="b0",
                locale="en",
                consent_version="test",
                review_slug=REVIEW,
                title="Practice",
                description="Done.",
                countries=["JO"],
                objectives=[6],
                created_at=now - timedelta(hours=2),
            )
        )
        session.commit()


# The store's own counts, under the labels the outputs print ------------------------------------

LABELS = Labels("en")
_AS_LABEL = {
    "group": lambda c: LABELS.group(c or "unknown"),
    "age": lambda c: LABELS.age(c or "unknown"),
    "gender": lambda c: LABELS.gender(c or "unknown"),
    "channel": lambda c: LABELS.channel(c or "unknown"),
    "by_channel": lambda c: LABELS.channel(c or "unknown"),
    "by_age": lambda c: LABELS.age(c or "unknown"),
    "theme": lambda c: LABELS.theme(c or "unknown"),
    "locale": lambda c: language_label(c, "en") if c else LABELS.t("Not given"),
    "language": lambda c: language_label(c, "en"),
    "country": lambda c: LABELS.country(c or "unknown"),
    "objective": lambda n: LABELS.objective(int(n)),
}
_COLUMN = {
    "group": "stakeholder_group",
    "age": "age_group",
    "gender": "gender",
    "channel": "channel",
    "by_channel": "channel",
    "by_age": "age_group",
    "theme": "theme",
    "locale": "locale",
    "country": "country",
    "language": "coalesce(language, locale)",
}
# Stored codes that are on no list are counted as not given.
_KNOWN = {
    "group": STAKEHOLDER_GROUPS,
    "age": AGE_GROUPS,
    "by_age": AGE_GROUPS,
    "gender": GENDERS,
    "channel": CHANNELS,
    "theme": THEMES,
}


def _grouped(engine: Engine, columns: list[str], where: str, params: dict) -> list[tuple]:  # type: ignore[type-arg]
    select = ", ".join(_COLUMN[c] for c in columns)
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(f"SELECT {select}, count(*) FROM submission WHERE {where} GROUP BY {select}"),
                params,
            )
        )  # noqa: S608


def _label(dimension: str, code):  # type: ignore[no-untyped-def]
    if dimension in _KNOWN and code not in _KNOWN[dimension]:
        code = None
    return _AS_LABEL[dimension](code)


def truth(engine: Engine, where: str, params: dict) -> Counter:  # type: ignore[type-arg]
    """Every count an output may print about the inputs matching ``where``, keyed as ``published``."""
    counts: Counter = Counter()  # type: ignore[type-arg]
    for dimension in ("group", "by_channel", "by_age", "theme", "locale", "country", "language"):
        for code, n in _grouped(engine, [dimension], where, params):
            counts[(dimension, _label(dimension, code))] += n
    for dimension in ("age", "gender", "channel"):
        for group, code, n in _grouped(engine, ["group", dimension], where, params):
            counts[(dimension, _label("group", group), _label(dimension, code))] += n
    with engine.connect() as connection:
        for number, n in connection.execute(
            text(
                f"SELECT o.objective_number, count(*) FROM submission_objective o JOIN submission ON submission.id = "
                f"o.submission_id WHERE {where} GROUP BY o.objective_number"
            ),
            params,
        ):  # noqa: S608
            counts[("objective", _label("objective", number))] = n
    with engine.connect() as connection:
        counts["inputs"] = connection.execute(
            text(f"SELECT count(*) FROM submission WHERE {where}"), params
        ).scalar_one()  # noqa: S608
    return counts


def check(name: str, published: read.Published, true: Counter) -> None:  # type: ignore[type-arg]
    """The output tells the truth, prints no small count, and lets no hidden one be worked out."""
    true = Counter(true)
    for total, parts in published.sums:  # the rows a list leaves out, what a part leaves of a whole
        for rest in (p for p in parts if isinstance(p, tuple) and p[0] in ("rest", "rest of")):
            true[rest] = true[total] - sum(true[p] for p in parts if p != rest)
    for key, number in published.shown.items():
        assert number == true[key], (
            f"{name}: {key!r} printed as {number}, the store has {true[key]}"
        )
        assert not 0 < number < 5, f"{name}: {key!r} printed as {number}"
    for key, symbol in published.symbols.items():
        assert symbol != "<5" or 0 < true[key] < 5, (
            f"{name}: {key!r} is {true[key]}, printed {symbol}"
        )
    assert published.symbols and published.shown, (
        f"{name}: the data should give it small counts to hide"
    )
    ranges = integer_ranges(published.sums, published.shown, published.hidden)
    for key, (low, high) in ranges.items():
        assert low <= true[key] <= high, (
            f"{name}: {key!r} = {true[key]} is outside what the output allows"
        )
        if key in published.symbols or 0 < true[key] < 5:
            assert low < high, f"{name}: {key!r} is recovered from the output: only {low} fits"


def assert_charts_hide_small_counts(name: str, view: read.ReportView) -> None:
    """Every bar is as long as the number written beside it; a symbol has no bar."""
    assert set(view.charts) == set(read.CHARTS), name
    for title, rows in view.charts.items():
        numbers = {int(t): bar for _label, t, bar in rows if t.isdigit()}
        biggest = max(numbers, default=0)
        scale = (
            (numbers[biggest] or 0) / biggest if biggest else 0
        )  # the longest bar's length per input
        for label, number, bar in rows:
            assert number not in ("1", "2", "3", "4"), f"{name}: {title}: {label} = {number}"
            if number.isdigit():
                expected = max(1, round(scale * int(number))) if int(number) else 0
                assert bar is not None and abs(bar - expected) <= 1, (
                    title,
                    label,
                    number,
                    bar,
                )  # rounding
            else:
                assert number in read.SYMBOLS and bar is None, (
                    f"{name}: {title}: {label} has a bar for {number}"
                )


def _other_lines(engine: Engine) -> Counter:  # type: ignore[type-arg]
    """Registrations by mode and travel support, as the report lists them."""
    counts: Counter = Counter()  # type: ignore[type-arg]
    with engine.connect() as connection:
        for mode, travel, n in connection.execute(
            text(
                "SELECT attendance_mode, travel_support, count(*) FROM registration WHERE review_slug = :r "
                "GROUP BY attendance_mode, travel_support"
            ),
            {"r": REVIEW},
        ):
            counts[("line", {"virtual": "Online", "in_person": "In person"}[mode])] += n
            counts[("line", "travel support requested")] += n if travel else 0
    return counts


def _campaigns(engine: Engine, where: str, params: dict) -> list[int]:  # type: ignore[type-arg]
    with engine.connect() as connection:
        return sorted(
            n
            for (n,) in connection.execute(
                text(
                    f"SELECT count(*) FROM submission WHERE {where} AND duplicate_group IS NOT NULL "
                    f"GROUP BY duplicate_group HAVING count(*) > 1"
                ),
                params,
            )
        )  # noqa: S608


@pytest.mark.parametrize("seed", [14, 73])
def test_no_output_lets_a_reader_work_out_a_small_count(settings, seed):
    with slack_runtime(settings) as (runtime, api):
        engine = runtime.engine
        plant(engine, seed=seed, now=datetime.now(UTC))
        outputs = every_output(runtime, api)
        admin = add_staff(engine, email="admin@un.example", role="admin", reviews=[])
        app = create_app(runtime=runtime)
        app.config.update(TESTING=True)
        client = app.test_client()
        token = issue_token(engine, staff_id=admin.id or 0)
        stats = {
            slug: client.get(
                f"/api/v1/reviews/{slug}/stats", headers={"Authorization": f"Bearer {token}"}
            )
            for slug in (REVIEW, OTHER_REVIEW)
        }
        with Session(engine) as session:
            (delivery,) = session.exec(select(DigestDelivery)).all()
            period = {"r": REVIEW, "since": delivery.period_start, "until": delivery.period_end}
        of_review = "review_slug = :r"
        in_period = "review_slug = :r AND created_at >= :since AND created_at < :until"
        report_truth = truth(engine, of_review, {"r": REVIEW}) + _other_lines(engine)
        digest_truth = truth(engine, in_period, period)
        report_campaigns = _campaigns(engine, of_review, {"r": REVIEW})

        # The report, in every format, rendered and through the API.
        for name, body in outputs.files.items():
            fmt = name.split(".")[1]
            view = read.READERS[fmt](body)
            published = read.report_published(view)
            if fmt == "html":
                assert_charts_hide_small_counts(name, view)
            # Campaigns (repeated texts) add up to nothing: their counts, as a list, are the store's.
            campaigns = published.take("campaign")
            assert sorted(int(n) for n in campaigns if n.isdigit()) == [
                n for n in report_campaigns if n >= 5
            ], name
            assert campaigns.count("<5") == len([n for n in report_campaigns if n < 5]), name
            check(name, published, report_truth)
            for values in view.chart_ranges:  # XLSX charts draw numbers only, none of them small
                assert values and all(isinstance(v, int) and not 0 < v < 5 for v in values), (
                    name,
                    values,
                )
        assert read.read_xlsx(outputs.files["report.xlsx"]).chart_ranges  # the charts are there

        # The digest, in Slack and by e-mail (both parts).
        records = {
            ("record", "Pledges"): 2,
            ("record", "Practices"): 1,
            ("record", "Registrations"): 9,
            ("record", "travel"): 2,
        }
        for name, published in (
            ("slack digest", read.read_slack_digest(outputs.slack_digest[0]["blocks"])),
            ("e-mail text", read.read_email_text(outputs.email["text/plain"])),
            ("e-mail html", read.read_email_html(outputs.email["text/html"])),
        ):
            check(name, published, digest_truth + Counter(records))

        # App Home and the API's stats: the same counts, per review.
        homes = read.read_app_home(outputs.app_home)
        group_labels = {g: LABELS.group(g) for g in (*STAKEHOLDER_GROUPS, "unknown")}
        age_labels = {a: LABELS.age(a) for a in (*AGE_GROUPS, "unknown")}
        now = datetime.now(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for slug in (REVIEW, OTHER_REVIEW):
            stats_truth = Counter(
                {
                    key: n
                    for key, n in truth(engine, "review_slug = :r", {"r": slug}).items()
                    if isinstance(key, tuple) and key[0] in ("group", "by_age")
                }
            )
            with engine.connect() as connection:
                for name, where in (
                    ("today", "created_at >= :t"),
                    ("week", "created_at >= :w"),
                    ("total", "1 = 1"),
                    ("flagged", "status = 'flagged'"),
                ):
                    stats_truth[name] = connection.execute(
                        text(f"SELECT count(*) FROM submission WHERE review_slug = :r AND {where}"),  # noqa: S608
                        {"r": slug, "t": today, "w": now - timedelta(days=7)},
                    ).scalar_one()
            check(f"app home {slug}", homes[slug], stats_truth)
            assert stats[slug].status_code == 200
            api = read.read_api_stats(stats[slug].get_json(), group_labels, age_labels)
            check(f"api stats {slug}", api, stats_truth)
            # App Home and the API are one publication: what one prints, the other prints.
            for key, number in homes[slug].shown.items():
                assert api.shown.get(key, number) == number and key not in api.hidden, key
            for key in homes[slug].symbols:
                assert key in api.hidden, key
