"""B4 and B5: the chat platforms' webhooks under load, against a bare JSON endpoint.

B4, Telegram: ``POST /telegram/webhook`` with updates (each a /start from a new private
chat, 10% redeliveries of an update already sent) at 40 connections; the replies go to the
tests' fake Bot API, in a process of its own. Baseline: ``bench.bare:app``'s ``POST
/bare/json`` (parse the JSON, answer 200) under the same gunicorn. Targets: >= 500 updates/s
on 2 cores and >= 40% of bare; stored rows (inbox entries) = distinct update ids. The
webhook answers once the update is processed and its replies are queued in the store; the
replies go out at Telegram's 30 a second (``INTAKE_TELEGRAM_REPLY_RATE``) from one sender,
so a burst leaves a queue behind it, counted at the end (sent + queued = 2 per update).

B5, Slack: ``POST /slack/events`` through bolt (signature verified, the event recorded,
processed and acknowledged): ``app_home_opened`` from staff, 10% retries carrying
``X-Slack-Retry-Num``, replies to the tests' fake Slack Web API. Baseline: a bare Bolt app
(``bench.bare_bolt``: the same signed requests verified, the event recorded, acknowledged;
until issue 20 it was B4's bare JSON endpoint). Targets:
>= 40% of bare; p99 ack < 300 ms at 83 events/s (open loop), on a store of 1,000,000
inputs (20,000 with ``--quick``); no duplicate rows.

Run: python -m bench --only B4,B5 [--quick]
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text as sql

from bench import dataset
from bench.common import alternate_many, check_delivered, database, note, report
from bench.loadgen import http_request, open_loop
from bench.servers import WRK_THREADS, fake_platform, gunicorn, wrk
from models.db import make_engine
from tests.processes import clean_env

CONNECTIONS = 40
TELEGRAM_TOKEN = "123456:TEST-TOKEN"  # the fake Bot API's
TELEGRAM_SECRET = "bench-webhook-secret"
SLACK_TOKEN = "xoxb-test-token"  # noqa: S105 - the fake Web API's
SLACK_SECRET = "bench-signing-secret"  # noqa: S105
ACK_RATE = 83.0
STORE_SIZE = 1_000_000  # B5's store: App Home counts what a busy deployment holds


def _count(url: str, statement: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        value = int(connection.execute(sql(statement)).scalar_one())
    engine.dispose()
    return value


def _settled(url: str, channel: str, wait: float = 15) -> tuple[int, int]:
    """Inbox rows and processed ones, once the last updates in flight are done (or ``wait`` passed)."""
    deadline = time.monotonic() + wait
    while True:
        stored = _count(url, f"SELECT count(*) FROM inbox_entry WHERE channel = '{channel}'")  # noqa: S608
        done = _count(
            url, f"SELECT count(*) FROM inbox_entry WHERE channel = '{channel}' AND status = 'done'"
        )  # noqa: S608
        if done == stored or time.monotonic() > deadline:
            time.sleep(1)  # the replies of the last one processed
            return stored, done
        time.sleep(0.5)


def _env(url: str, instance: str, **extra: str) -> dict[str, str]:
    return clean_env(
        INTAKE_DATABASE_URL=url,
        INTAKE_SECRET_KEY="bench-secret-key",
        INTAKE_INSTANCE_PATH=instance,
        **extra,
    )


def telegram(kind: str, url: str, rounds: int, duration: float) -> None:
    with tempfile.TemporaryDirectory() as instance, fake_platform("telegram") as bot_api:
        env = _env(
            url,
            instance,
            INTAKE_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            INTAKE_TELEGRAM_API_URL=bot_api.url,
            INTAKE_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        )
        with (
            gunicorn("intake_api.app:create_app()", env) as app,
            gunicorn("bench.bare:app", clean_env()) as bare,
        ):
            rounds_seen = iter(range(1, 10**6))
            distinct = 0

            def candidate() -> dict[str, float]:
                nonlocal distinct
                result = wrk(
                    app.url + "/telegram/webhook",
                    script="telegram.lua",
                    args=(TELEGRAM_SECRET, str(next(rounds_seen))),
                    connections=CONNECTIONS,
                    duration=duration,
                )
                if result.errors:
                    raise RuntimeError(f"B4 webhook errors: {result.errors}\n{result.output}")
                distinct += int(re.search(r"DISTINCT (\d+)", result.output).group(1))  # type: ignore[union-attr]
                return {"rps": result.requests_per_s}

            def baseline() -> dict[str, float]:
                result = wrk(
                    bare.url + "/bare/json",
                    script="telegram.lua",
                    args=(TELEGRAM_SECRET, "0"),
                    connections=CONNECTIONS,
                    duration=duration,
                )
                return {"rps": result.requests_per_s}

            candidate()  # warm up: the bot client connects on the first update
            base, cand = alternate_many(baseline, candidate, rounds=rounds)
            stored, done = _settled(url, "telegram")
            report(
                f"B4 Telegram webhook {kind}, 40 connections, 10% redeliveries",
                "updates/s",
                base["rps"],
                cand["rps"],
                target=">= 500/s and >= 40% of bare",
                met=cand["rps"].median >= 500 and cand["rps"].median >= 0.4 * base["rps"].median,
                benchmark="B4",
                database=kind,
                stored=stored,
                distinct=distinct,
            )
            replies = bot_api.calls("sendMessage")
            queued = _count(url, "SELECT count(*) FROM chat_reply")
            note(
                f"stored inbox rows {stored:,}, distinct update ids wrk generated {distinct:,} (the last request "
                f"of a connection may be cut when wrk stops: at most {CONNECTIONS} fewer), {done:,} processed; "
                f"replies: {replies:,} sent and {queued:,} queued (sent at 30 a second, Telegram's limit; "
                f"a /start from a new chat is answered once, with the privacy notice; a reply sent in the "
                f"last moment is still queued until its answer is read, so the two may count it twice)"
            )
            check_delivered(
                f"B4 {kind}",
                twice=max(0, stored - distinct),  # an update id stored twice
                missing=(stored - done) + max(0, stored - replies - queued),
            )


def _signed_lines(count: int, round_id: int, retry_share: float = 0.1) -> list[str]:
    """Slack event requests, signed now; a share of them are retries of an event just sent."""
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(SLACK_SECRET)
    rng = random.Random(round_id)
    lines: list[str] = []
    sent: list[str] = []
    timestamp = str(int(time.time()))
    for n in range(count):
        retry = 0
        if sent and rng.random() < retry_share:
            body, retry = sent[rng.randrange(max(0, len(sent) - 50), len(sent))], 1
        else:
            body = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T1",
                    "api_app_id": "A1",
                    "event": {
                        "type": "app_home_opened",
                        "user": f"UBENCH{n % 50}",
                        "channel": "D1",
                        "tab": "home",
                    },
                    "event_id": f"Ev{round_id:04d}{n:08d}",
                    "event_time": int(timestamp),
                }
            )
            sent.append(body)
        signature = verifier.generate_signature(timestamp=timestamp, body=body)
        lines.append(f"{timestamp}\t{signature}\t{retry}\t{body}")
    return lines


def slack(kind: str, url: str, rounds: int, duration: float) -> None:
    from intake_api.staff import add_staff

    engine = make_engine(url)
    for n in range(50):
        add_staff(engine, email=f"staff{n}@un.example", role="admin", reviews=[])
    engine.dispose()
    with tempfile.TemporaryDirectory() as instance, fake_platform("slack") as slack_api:
        env = _env(
            url,
            instance,
            INTAKE_SLACK_BOT_TOKEN=SLACK_TOKEN,
            INTAKE_SLACK_SIGNING_SECRET=SLACK_SECRET,
            INTAKE_SLACK_API_URL=slack_api.url.rstrip("/") + "/",
        )
        folder = Path(instance)
        with (
            gunicorn("intake_api.app:create_app()", env) as app,
            gunicorn(
                "bench.bare_bolt:app",
                clean_env(BARE_DATABASE_URL=url, BARE_SLACK_SIGNING_SECRET=SLACK_SECRET),
            ) as bare,
        ):
            rounds_seen = iter(range(1, 10**4))
            per_round = int(
                duration * 1500
            )  # more than the app answers in a round: each line is sent once

            def candidate() -> dict[str, float]:
                lines = _signed_lines(per_round, next(rounds_seen))
                path = folder / "signed.txt"
                path.write_text("\n".join(lines) + "\n")
                result = wrk(
                    app.url + "/slack/events",
                    script="signed.lua",
                    args=(str(path), str(WRK_THREADS)),
                    connections=CONNECTIONS,
                    duration=duration,
                )
                if result.errors:
                    raise RuntimeError(f"B5 errors: {result.errors}\n{result.output}")
                return {"rps": result.requests_per_s}

            def baseline() -> dict[str, float]:
                lines = _signed_lines(per_round, next(rounds_seen))  # new events, as the app gets
                path = folder / "bare.txt"
                path.write_text("\n".join(lines) + "\n")
                result = wrk(
                    bare.url + "/slack/events",
                    script="signed.lua",
                    args=(str(path), str(WRK_THREADS)),
                    connections=CONNECTIONS,
                    duration=duration,
                )
                return {"rps": result.requests_per_s}

            candidate()
            base, cand = alternate_many(baseline, candidate, rounds=rounds)
            report(
                f"B5 Slack events {kind}, 40 connections, 10% retries (baseline: bare Bolt)",
                "events/s",
                base["rps"],
                cand["rps"],
                target=">= 40% of bare",
                met=cand["rps"].median >= 0.4 * base["rps"].median,
                benchmark="B5",
                database=kind,
                metric="rps",
            )

            def open_round(target_url: str, round_id: int) -> dict[str, float]:
                lines = _signed_lines(int(ACK_RATE * duration), round_id)

                def build(i: int) -> bytes:
                    timestamp, signature, retry, body = lines[i].split("\t", 3)
                    headers = {
                        "Content-Type": "application/json",
                        "X-Slack-Request-Timestamp": timestamp,
                        "X-Slack-Signature": signature,
                    }
                    if retry != "0":
                        headers |= {
                            "X-Slack-Retry-Num": retry,
                            "X-Slack-Retry-Reason": "http_timeout",
                        }
                    return http_request("POST", target_url, body.encode(), headers)

                result = open_loop(target_url, rate=ACK_RATE, duration=duration, build=build)
                return {"p99": result.p99_ms, "errors": result.errors, "refused": result.refused}

            obase, ocand = alternate_many(
                lambda: open_round(bare.url + "/slack/events", next(rounds_seen)),
                lambda: open_round(app.url + "/slack/events", next(rounds_seen)),
                rounds=rounds,
            )
            report(
                f"B5 Slack events {kind}, p99 ack at {ACK_RATE:.0f} events/s (open loop)",
                "ms",
                obase["p99"],
                ocand["p99"],
                target="< 300 ms",
                met=ocand["p99"].median < 300,
                benchmark="B5",
                database=kind,
                metric="p99",
            )
            stored, done = _settled(url, "slack")
            published = slack_api.calls("views.publish")
            note(
                f"stored inbox rows {stored:,}, {done:,} processed, {published:,} App Home views published: "
                f"{'one per event, no duplicates' if published == stored == done else 'MISMATCH'} "
                f"(open-loop errors {ocand['errors'].high:.0f})"
            )
            check_delivered(
                f"B5 {kind}",
                twice=max(0, published - stored),
                missing=(stored - done) + max(0, stored - published),
                refused=int(ocand["refused"].high),
            )


def run_telegram(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            telegram(kind, url, rounds, 2.0 if quick else 6.0)


def run_slack(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    size = 20_000 if quick else STORE_SIZE
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            started = time.perf_counter()
            dataset.load(url, 0, size)  # every App Home open counts a review's inputs
            note(f"B5 {kind}: {size:,} inputs loaded in {time.perf_counter() - started:.0f} s")
            slack(kind, url, rounds, 2.0 if quick else 6.0)
