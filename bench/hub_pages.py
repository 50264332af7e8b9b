"""B8: the public Hub's pages under gunicorn, against the same HTML served as a static file.

Store: ``size`` published pledges and ``size`` published practices (consent to publish and a
publication date), plus a tenth more of each that are not public (no consent, or consent
but not published), and ``size`` inputs (the review page counts them). Items are spread over
the five reviews, 23 objectives, 18 countries, the stakeholder groups and 60 days, in seven
languages (the demo corpus, words reshuffled). They are loaded with the raw driver, each with
the ``search_document`` the app computes (``models.full_text.search_document``); the index
is filled as the app's writes fill it: SQLite's FTS5 triggers, PostgreSQL's generated
``search_vector`` and its GIN index.

Pages: the dashboard ``/en/pledges``, the repository ``/en/practices``, search on the
dashboard ``/en/pledges?q=WORD`` for a word in about 1% of the pledges and for a common one,
the review page ``/en/reviews/escwa``, and a conditional GET of the dashboard with its ETag
(``If-None-Match``: 304). Candidate: ``gunicorn -w 2 'intake_api.app:create_app()'``.
Baseline: each page's HTML, saved from the candidate in the same run, served by
``bench.static_site`` (Flask ``send_file``, ETag, 304) under the same gunicorn
configuration; the 304's baseline is the static file's 304.
Throughput: wrk (closed loop, CONNECTIONS connections). Latency: ``bench.loadgen`` open loop
at a fixed rate, the same for candidate and baseline: half the candidate's wrk maximum, at
most RATE_CAP req/s. Targets (issue 19): search p99 < 100 ms at 100,000 items; the 304 at
least half the static file's throughput.

Run: python -m bench --only B8 [--quick] [--databases sqlite]
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench import dataset
from bench.common import (
    alternate_many,
    check_delivered,
    database,
    figure,
    note,
    raw_dsn,
    report,
)
from bench.loadgen import http_request, open_loop
from bench.servers import gunicorn, wrk
from bench.web_form import app_env
from tests.processes import clean_env

SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000,)
CONNECTIONS = 16
RATE_CAP = 50.0
SEARCH_P99_MS = 100.0
CACHED_SHARE = 0.5
RARE_SHARE = 0.01
NOT_PUBLIC = 10  # one item in NOT_PUBLIC more is stored but not public
DASHBOARD = "/en/pledges"

# Who pledges and practises: (organisation, stakeholder group), per kind of organisation.
ORGANISATIONS = (
    ("Ministry of Labour", "government"),
    ("Ministry of the Interior", "government"),
    ("National Migration Office", "government"),
    ("Municipality", "local_authority"),
    ("City council network", "local_authority"),
    ("Migrant workers' union", "trade_union"),
    ("Domestic workers' federation", "trade_union"),
    ("Employers' association", "private_sector"),
    ("Recruitment agencies' council", "private_sector"),
    ("Diaspora association", "diaspora"),
    ("Youth migration network", "youth"),
    ("Refugee and migrant legal aid", "civil_society"),
    ("Women migrants' collective", "civil_society"),
    ("University migration centre", "academia"),
    ("National human rights institution", "nhri"),
)
PARTNERS = (
    "IOM, UNHCR",
    "ILO, local employers",
    "UNICEF, civil registry",
    "city councils, diaspora groups",
    None,
)


def _groups() -> set[str]:
    from models.reference import STAKEHOLDER_GROUPS

    return set(STAKEHOLDER_GROUPS)


def _organisations() -> list[tuple[str, str]]:
    known = _groups()
    return [(name, group if group in known else "civil_society") for name, group in ORGANISATIONS]


def _title(text: str, rng: random.Random) -> str:
    words = text.split()
    start = rng.randrange(max(1, len(words) - 8))
    return " ".join(words[start : start + rng.randint(4, 8)]).strip(" ,.;:")[:200] or "Pledge"


def item_rows(kind: str, size: int) -> Iterator[dict[str, Any]]:
    """The rows of ``size`` public items of ``kind`` and a tenth more that are not public.

    Row ``i`` always gets the same values. Every column the app writes is here, with the
    search document computed by the app's own function.
    """
    from models.full_text import search_document
    from models.pledge import Pledge
    from models.practice import Practice
    from models.reference import REVIEW_SLUGS

    model = Pledge if kind == "pledge" else Practice
    from intake_api.demo import demo_corpus

    texts = dataset.text_variants()
    base = len(demo_corpus())  # variant v is a reshuffle of demo text v % base
    organisations = _organisations()
    total = size + size // NOT_PUBLIC
    for i in range(total):
        rng = random.Random(f"{kind}{i}")
        index = (i * 7 + (kind == "practice")) % len(texts)
        language, text = texts[index]
        created = dataset.NOW - timedelta(seconds=rng.randrange(dataset.DAYS * 86_400))
        public = i < size
        consent = public or i % 2 == 0
        published = created + timedelta(hours=rng.randint(1, 48)) if public else None
        organisation, group = organisations[rng.randrange(len(organisations))]
        country = dataset.COUNTRIES[rng.randrange(len(dataset.COUNTRIES))]
        objectives = sorted(rng.sample(range(1, 24), rng.randint(1, 3)))
        row: dict[str, Any] = {
            "id": i + 1,
            "receipt": f"{'PL' if kind == 'pledge' else 'PR'}-{i:09d}",
            "channel": "web",
            "channel_message_id": f"bench:{kind}:{i}",
            "locale": language,
            "consent_store": True,
            "consent_version": "bench",
            "created_at": created,
            "review_slug": REVIEW_SLUGS[i % len(REVIEW_SLUGS)],
            "objectives": objectives,
            "consent_publish": consent,
            "published_at": published,
        }
        # A title in the text's language: words of another variant of the same demo text.
        title = _title(texts[rng.randrange(index % base, len(texts), base)][1], rng)
        if kind == "pledge":
            row.update(
                organisation=f"{organisation} ({country})",
                stakeholder_group=group,
                country=country,
                title=title,
                text=text,
            )
        else:
            countries = sorted({country, dataset.COUNTRIES[rng.randrange(len(dataset.COUNTRIES))]})
            row.update(
                title=title,
                description=text,
                countries=countries,
                organisation=f"{organisation} ({country})" if rng.random() < 0.8 else None,
                partners=PARTNERS[rng.randrange(len(PARTNERS))],
                link=f"https://example.org/practices/{i}" if rng.random() < 0.6 else None,
            )
        row["search_document"] = search_document(model, row)
        yield row


PLEDGE_COLUMNS = (
    "id", "receipt", "channel", "channel_message_id", "locale", "consent_store",
    "consent_version", "created_at", "review_slug", "organisation", "stakeholder_group",
    "country", "title", "text", "objectives", "consent_publish", "published_at",
    "search_document",
)  # fmt: skip
PRACTICE_COLUMNS = (
    "id", "receipt", "channel", "channel_message_id", "locale", "consent_store",
    "consent_version", "created_at", "review_slug", "title", "description", "objectives",
    "countries", "organisation", "partners", "link", "consent_publish", "published_at",
    "search_document",
)  # fmt: skip
JSON_COLUMNS = ("objectives", "countries")


def _values(row: dict[str, Any], columns: Sequence[str], sqlite: bool) -> tuple[Any, ...]:
    out: list[Any] = []
    for name in columns:
        value = row[name]
        if name in JSON_COLUMNS:
            value = json.dumps(value)
        elif sqlite and isinstance(value, datetime):
            value = dataset._sqlite_time(value)
        out.append(value)
    return tuple(out)


def load_items(url: str, size: int) -> None:
    """``size`` public pledges and practices (and the not public ones), in one transaction each."""
    for kind, columns in (("pledge", PLEDGE_COLUMNS), ("practice", PRACTICE_COLUMNS)):
        if url.startswith("sqlite"):
            _load_sqlite(raw_dsn(url), kind, columns, size)
        else:
            _load_postgres(raw_dsn(url), kind, columns, size)


def _load_sqlite(path: str, kind: str, columns: Sequence[str], size: int) -> None:
    """executemany with the FTS5 triggers set aside, then the app's own ``ensure_sqlite_index``.

    Row by row through the triggers, 100,000 items took ten minutes (FTS5 merging its segments
    as it goes); ``ensure_sqlite_index`` is what the app runs after every migration: it puts the
    triggers back and rebuilds the index from the ``search_document`` column, as the triggers
    would have filled it.
    """
    from sqlalchemy import create_engine

    from models.full_text import ensure_sqlite_index

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    for trigger in ("insert", "delete", "update"):
        connection.execute(f"DROP TRIGGER IF EXISTS {kind}_fts_{trigger}")
    insert = (
        f"INSERT INTO {kind} ({', '.join(columns)}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    connection.execute("BEGIN")
    batch: list[tuple[Any, ...]] = []
    for row in item_rows(kind, size):
        batch.append(_values(row, columns, sqlite=True))
        if len(batch) >= 10_000:
            connection.executemany(insert, batch)
            batch.clear()
    connection.executemany(insert, batch)
    connection.execute("COMMIT")
    connection.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as sqlalchemy_connection:
        ensure_sqlite_index(sqlalchemy_connection)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("ANALYZE")
    connection.close()


def _load_postgres(dsn: str, kind: str, columns: Sequence[str], size: int) -> None:
    """COPY; PostgreSQL computes the generated ``search_vector`` and fills the GIN index."""
    import psycopg

    with psycopg.connect(dsn) as connection:
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {kind} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in item_rows(kind, size):
                    copy.write_row(_values(row, columns, sqlite=False))
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{kind}', 'id'), (SELECT max(id) FROM {kind}))"  # noqa: S608
            )
        connection.commit()
        connection.autocommit = True
        connection.execute(f"VACUUM ANALYZE {kind}")


def search_words(size: int) -> tuple[str, str]:
    """An English word in about 1% of the public pledges' documents, and the most common one
    (words of 5 letters or more, as the index cuts them)."""
    from models.full_text import query_words

    counts: Counter[str] = Counter()
    english: set[str] = set()
    for row in item_rows("pledge", size):
        if row["published_at"] is not None:
            words = set(row["search_document"].split())
            counts.update(words)
            if row["locale"] == "en":
                english |= words
    usable = {
        word: n
        for word, n in counts.items()
        if word in english and len(word) >= 5 and query_words(word) == [word]
    }
    rare = min(usable, key=lambda w: (abs(usable[w] / size - RARE_SHARE), w))
    common = max(usable, key=lambda w: (usable[w], w))
    return rare, common


def _matches(url: str, word: str) -> int:
    """How many public pledges the dashboard finds for ``word`` (the app's own count)."""
    from intake_api.hub.catalog import Filters, listing
    from models.db import make_engine
    from models.pledge import Pledge

    engine = make_engine(url)
    try:
        return listing(engine, Pledge, Filters(q=word)).total
    finally:
        engine.dispose()


def _pages(rare: str, common: str) -> dict[str, str]:
    return {
        "dashboard": DASHBOARD,
        "repository": "/en/practices",
        "search-rare": f"/en/pledges?q={quote(rare)}",
        "search-common": f"/en/pledges?q={quote(common)}",
        "review": "/en/reviews/escwa",
    }


def _save(app_url: str, pages: dict[str, str], folder: Path) -> dict[str, str]:
    """Each page's HTML into ``folder/NAME.html``; the dashboard's ETag."""
    etag = ""
    for name, path in pages.items():
        answer = httpx.get(app_url + path, timeout=120)
        answer.raise_for_status()
        (folder / f"{name}.html").write_bytes(answer.content)
        if name == "dashboard":
            etag = answer.headers["ETag"]
    return {"dashboard": etag}


def measure(kind: str, url: str, size: int, rare: str, common: str, **options: Any) -> None:
    rounds, duration = options["rounds"], options["duration"]
    pages = _pages(rare, common)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        instance = folder / "instance"
        instance.mkdir()
        with gunicorn("intake_api.app:create_app()", app_env(url, str(instance))) as app:
            etags = _save(app.url, pages, folder)
            with gunicorn(
                "bench.static_site:app", clean_env(BENCH_STATIC_DIR=str(folder))
            ) as static:
                static_etag = httpx.get(static.url + "/page/dashboard", timeout=10).headers["ETag"]
                for name, path in pages.items():
                    _compare(
                        f"{name} {path}",
                        app.url + path,
                        static.url + f"/page/{name}",
                        kind=kind,
                        size=size,
                        page=name,
                        rounds=rounds,
                        duration=duration,
                        profile_url=url,
                    )
                _compare(
                    f"cached {DASHBOARD} (If-None-Match: 304)",
                    app.url + DASHBOARD,
                    static.url + "/page/dashboard",
                    kind=kind,
                    size=size,
                    page="cached",
                    rounds=rounds,
                    duration=duration,
                    etags=(etags["dashboard"], static_etag),
                    profile_url=url,
                )
                # Last: its changes move the public version, and so the dashboard's ETag.
                _first_reader(url, app.url, static.url, pages, kind=kind, size=size)


FIRST_READERS = 12  # changes made, each followed by one reader of the page


def _first_reader(
    url: str, app_url: str, static_url: str, pages: dict[str, str], *, kind: str, size: int
) -> None:
    """The reader who comes first after a change pays for the figures counted anew (kept per
    public version from then on): one change to a watched table (as publishing is), then one
    request, timed, FIRST_READERS times, against one request of the static file."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        for name in ("dashboard", "search-common"):
            path = pages[name]
            first: list[float] = []
            static: list[float] = []
            for _ in range(FIRST_READERS):
                with engine.begin() as connection:  # moves the public version, changes nothing
                    connection.execute(text("UPDATE regional_review SET slug = slug"))
                started = time.perf_counter()
                answer = httpx.get(app_url + path, timeout=120)
                first.append(1000 * (time.perf_counter() - started))
                if answer.status_code != 200:
                    raise RuntimeError(f"B8 {path}: {answer.status_code}")
                started = time.perf_counter()
                httpx.get(static_url + f"/page/{name}", timeout=10)
                static.append(1000 * (time.perf_counter() - started))
            report(
                f"B8 {kind} {size:,} items, {name} {path}, first reader after a change "
                f"({FIRST_READERS} changes)",
                "ms",
                figure(static),
                figure(first),
                target="(measured)",
                benchmark="B8",
                database=kind,
                size=size,
                page=f"{name}-first",
                metric="first",
            )
    finally:
        engine.dispose()


def _compare(
    title: str,
    app_url: str,
    static_url: str,
    *,
    kind: str,
    size: int,
    page: str,
    rounds: int,
    duration: float,
    etags: tuple[str, str] | None = None,
    profile_url: str | None = None,
) -> None:
    """wrk and the open loop on one page: the candidate against its static file, alternating."""
    headers = [{"If-None-Match": etags[0]}, {"If-None-Match": etags[1]}] if etags else [{}, {}]
    for target, header in zip((app_url, static_url), headers, strict=True):
        answer = httpx.get(target, headers=header, timeout=120)
        expected = 304 if etags else 200
        if answer.status_code != expected:
            raise RuntimeError(f"B8 {target}: {answer.status_code}, expected {expected}")

    def closed(target: str, header: dict[str, str]) -> dict[str, float]:
        result = wrk(
            target,
            script="conditional.lua" if header else None,
            args=(header["If-None-Match"],) if header else (),
            connections=CONNECTIONS,
            duration=duration,
        )
        if result.errors:
            raise RuntimeError(f"B8 {target}: {result.errors} errors\n{result.output}")
        return {"rps": result.requests_per_s, "p99": result.p99_ms}

    closed(app_url, headers[0])  # warm both workers (templates, language data, page cache)
    base, cand = alternate_many(
        lambda: closed(static_url, headers[1]), lambda: closed(app_url, headers[0]), rounds
    )
    cached = etags is not None
    report(
        f"B8 {kind} {size:,} items, {title}, throughput (wrk -c {CONNECTIONS})",
        "req/s",
        base["rps"],
        cand["rps"],
        target=f">= {CACHED_SHARE:.0%} of the static file's" if cached else "(measured)",
        met=cand["rps"].median >= CACHED_SHARE * base["rps"].median if cached else None,
        benchmark="B8",
        database=kind,
        size=size,
        page=page,
        metric="rps",
    )
    rate = max(1.0, min(RATE_CAP, cand["rps"].median / 2))
    # Some 30 requests at least in a run (up to 3 durations), so that a p99 is of something.
    seconds = max(duration, min(30 / rate, 3 * duration))

    def opened(target: str, header: dict[str, str]) -> dict[str, float]:
        request = http_request("GET", target, headers=header)
        result = open_loop(target, rate=rate, duration=seconds, build=lambda _i: request)
        return {
            "p50": result.p50_ms,
            "p99": result.p99_ms,
            "errors": result.errors,
            "refused": result.refused,
            "achieved": result.achieved,
        }

    obase, ocand = alternate_many(
        lambda: opened(static_url, headers[1]), lambda: opened(app_url, headers[0]), rounds
    )
    search = page.startswith("search")
    judged = search and size >= 100_000
    report(
        f"B8 {kind} {size:,} items, {title}, p99 at {rate:.0f} req/s (open loop)",
        "ms",
        obase["p99"],
        ocand["p99"],
        target=f"< {SEARCH_P99_MS:.0f} ms" if search else "(measured)",
        met=(ocand["p99"].median < SEARCH_P99_MS and ocand["errors"].high == 0) if judged else None,
        benchmark="B8",
        database=kind,
        size=size,
        page=page,
        metric="p99",
        rate=rate,
        p50=ocand["p50"].median,
        p50_baseline=obase["p50"].median,
    )
    missed = (cached and cand["rps"].median < CACHED_SHARE * base["rps"].median) or (
        judged and ocand["p99"].median >= SEARCH_P99_MS
    )
    if missed and profile_url:
        path = app_url[app_url.index("/", len("http://")) :]
        note(
            f"target missed; one request in process:\n{profile_page(profile_url, path, headers[0])}"
        )
    check_delivered(f"B8 {kind} {page}", refused=int(ocand["refused"].high))
    note(
        f"p50 {ocand['p50'].median:.1f} ms (static {obase['p50'].median:.1f} ms); "
        f"answered {ocand['achieved'].median:.1f}/s of {rate:.0f}/s, errors {ocand['errors'].high:.0f}; "
        f"wrk p99 {cand['p99'].median:.0f} ms (static {base['p99'].median:.0f} ms)"
    )


def profile_page(url: str, path: str, headers: dict[str, str] | None = None) -> str:
    """Where one request's time goes: the app in this process (same settings), cProfile's top."""
    import os
    from unittest import mock

    from bench.common import profile_top

    with (
        tempfile.TemporaryDirectory() as instance,
        mock.patch.dict(os.environ, app_env(url, instance), clear=True),
    ):
        from intake_api.app import create_app

        client = create_app().test_client()
        client.get(path, headers=headers or {})  # warm: templates, language data
        return profile_top(
            lambda: client.get(path, headers=headers or {}), lines=15, sort="tottime"
        )


def run(
    *,
    quick: bool = False,
    databases: Sequence[str] = ("sqlite", "postgresql"),
    rounds: int = 5,
    sizes: Sequence[int] | None = None,
    duration: float | None = None,
) -> None:
    chosen = sizes or (QUICK_SIZES if quick else SIZES)
    seconds = duration or (1.0 if quick else 3.0)
    for size in chosen:
        started = time.perf_counter()
        rare, common = search_words(size)
        note(f"search words chosen in {time.perf_counter() - started:.1f} s: {rare!r}, {common!r}")
        for kind in databases:
            with database(kind) as url:
                dataset.create_store(url)
                started = time.perf_counter()
                load_items(url, size)
                dataset.load(url, 0, size)
                note(
                    f"{kind}: loaded {size:,} public pledges and practices (+{size // NOT_PUBLIC:,} "
                    f"not public of each) and {size:,} inputs in {time.perf_counter() - started:.1f} s; "
                    f"{rare!r} in {_matches(url, rare):,} public pledges, {common!r} in "
                    f"{_matches(url, common):,}"
                )
                measure(kind, url, size, rare, common, rounds=rounds, duration=seconds)
