"""B6x: B1's p99 while a B6 broadcast goes out, against B1's p99 alone ("no more than 20% worse").

The server is B1's candidate: ``gunicorn -w 2 'intake_api:create_app()'``, rate limits off,
each POST the form with the CSRF token and session cookie of one GET, a fresh submission key
and one of 3,000 texts (``bench.web_form``). The load is ``bench.loadgen``'s open loop at a
fixed rate the candidate can sustain: half of its own maximum, measured first in the same
run with wrk (closed loop, 32 connections), so the figure is latency and not a queue growing
(half of the *bare* maximum, B1's p99 row, is overload for the form).

Baseline: that open loop's p99 with nothing else running. Candidate: the same open loop
while one B6 broadcast (``bench.b6_broadcast.run_broadcast_in_background``: the real
``gcm-intake broadcast`` to 3,000 chats and 10 groups against the fake Bot API enforcing
Telegram's limits, ~105 s) goes out *from the same store* the form writes to: its contacts
are added to that store once, each broadcast has a message of its own. Rounds of ROUND
seconds; up to PER_BROADCAST of them inside one broadcast, started SETTLE seconds after the
broadcast process is launched (its imports and schema check; the sending itself lasts 102 s),
each checked to have ended before the broadcast did. The alone rounds go before, between and
after the broadcasts (``--rounds 5``: A A [D D D] A A [D D] A). Ratio = median p99 during /
median p99 alone; target <= 1.2, with no errors either way. The broadcast's own figures under
that load are printed too (its wall time against the 102 s minimum, 429s, nobody twice).

B4's p99 during B6 (the other half of issue 9's clause) is measured separately.

Run: python -m bench --only B6x [--databases sqlite] [--rounds 5] [--quick]
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import dataset
from bench.b6_broadcast import FULL, QUICK, SECRET, run_broadcast_in_background
from bench.common import Figure, database, note, report
from bench.loadgen import open_loop
from bench.servers import gunicorn, wrk
from bench.web_form import CONNECTIONS, FORM, app_env, form_bodies, form_session, post_builder

TARGET = 1.2
PER_BROADCAST = 3
ROUND, SETTLE = 12.0, 3.0  # seconds; --quick: 2 s rounds, 1 s settle, 300-chat broadcasts (12 s)


def schedule(rounds: int) -> list[list[str]]:
    """The order of the rounds: alone rounds ("A") around groups of rounds inside one broadcast ("D")."""
    broadcasts = math.ceil(rounds / PER_BROADCAST)
    during = [rounds // broadcasts + (1 if b < rounds % broadcasts else 0) for b in range(broadcasts)]
    gaps = broadcasts + 1
    alone = [rounds // gaps + (1 if g < rounds % gaps else 0) for g in range(gaps)]
    order: list[list[str]] = []
    for b in range(broadcasts):
        order += [["A"]] * alone[b] + [["D"] * during[b]]
    return order + [["A"]] * alone[-1]


def measure(kind: str, url: str, rounds: int, quick: bool) -> None:
    length, settle = (2.0, 1.0) if quick else (ROUND, SETTLE)
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory() as instance, \
            gunicorn("intake_api:create_app()", app_env(url, instance) | {"INTAKE_SECRET_KEY": SECRET}) as app:  # fmt: skip
        token, cookie = form_session(app.url)
        bodies = form_bodies()
        bodies_file = Path(instance) / "bodies.txt"
        bodies_file.write_text("\n".join(bodies) + "\n")

        def max_rate() -> float:
            result = wrk(app.url + FORM, script="form.lua", args=(token, cookie, str(bodies_file)),
                         connections=CONNECTIONS, duration=2.0 if quick else 6.0)  # fmt: skip
            if result.errors:
                raise RuntimeError(f"B6x form POSTs failed: {result.errors}\n{result.output}")
            return result.requests_per_s

        max_rate()  # warm up both workers
        maximum = _figure([max_rate() for _ in range(1 if quick else 3)])
        rate = maximum.median / 2
        note(f"candidate's maximum (wrk -c {CONNECTIONS}): {maximum.median:.0f} req/s "
             f"[{maximum.low:.0f}–{maximum.high:.0f}]; open loop at half of it: {rate:.0f} req/s, {length:.0f} s rounds")  # fmt: skip

        build = post_builder(app.url, token, cookie, bodies)
        counter = iter(range(1, 10**6))

        def one() -> dict[str, float]:
            n = next(counter)
            result = open_loop(app.url, rate=rate, duration=length, build=lambda i: build(n * 10**7 + i))
            return {"p99": result.p99_ms, "p50": result.p50_ms, "errors": result.errors,
                    "late": result.late_sends_ms, "achieved": result.achieved}  # fmt: skip

        alone: list[dict[str, float]] = []
        during: list[dict[str, float]] = []
        broadcasts: list[dict[str, Any]] = []
        for number, step in enumerate(schedule(rounds), start=1):
            if step == ["A"]:
                alone.append(one())
                print(f"  alone: p99 {alone[-1]['p99']:.1f} ms, p50 {alone[-1]['p50']:.1f} ms, "
                      f"{alone[-1]['errors']:.0f} errors", flush=True)  # fmt: skip
                continue
            background = run_broadcast_in_background(quick=quick, database_kind=kind, url=url, round_number=number)
            try:
                if not background.wait_until_sending():
                    raise RuntimeError("B6x: the broadcast did not start:\n" + "\n".join(background.lines[-20:]))
                time.sleep(settle)
                for _ in step:
                    figures = one()
                    if background.process.poll() is not None:
                        raise RuntimeError("B6x: the broadcast ended before the round did; use fewer or shorter rounds")
                    during.append(figures)
                    print(f"  during: p99 {figures['p99']:.1f} ms, p50 {figures['p50']:.1f} ms, "
                          f"{figures['errors']:.0f} errors", flush=True)  # fmt: skip
                broadcasts.append(background.result())
            finally:
                background.stop()
            sent = broadcasts[-1]
            print(f"  broadcast: {sent['seconds']:.1f} s (minimum {sent['minimum']:.0f} s), "
                  f"{sent['too_many_requests']} x 429, {sent['twice']} twice, {sent['missing']} missing", flush=True)  # fmt: skip

        base, cand = _figures(alone), _figures(during)
        errors = base["errors"].high + cand["errors"].high
        ratio = cand["p99"].median / base["p99"].median
        report(f"B6x form POST {kind}, p99 at {rate:.0f} req/s during a broadcast vs alone", "ms", base["p99"],
               cand["p99"], target=f"<= {TARGET}x alone", met=errors == 0 and ratio <= TARGET, benchmark="B6x",
               database=kind, metric="p99 during broadcast", rate=rate, maximum=maximum.median)  # fmt: skip
        note(f"p50: during {cand['p50'].median:.1f} ms, alone {base['p50'].median:.1f} ms; answered "
             f"{cand['achieved'].median:.0f}/s during, {base['achieved'].median:.0f}/s alone; errors {cand['errors'].high:.0f} "
             f"during, {base['errors'].high:.0f} alone; generator's own p99 lateness {cand['late'].median:.1f} ms during, "
             f"{base['late'].median:.1f} ms alone")  # fmt: skip
        seconds = _figure([b["seconds"] for b in broadcasts])
        note(f"the broadcasts under that load ({size.chats} chats + {size.groups} groups, from the form's store): "
             f"{seconds.median:.1f} s [{seconds.low:.1f}–{seconds.high:.1f}] against a {size.minimum:.0f} s minimum "
             f"({seconds.median / size.minimum:.2f}x), {sum(b['too_many_requests'] for b in broadcasts)} x 429, "
             f"{sum(b['twice'] + b['missing'] for b in broadcasts)} reached twice or not at all")  # fmt: skip


def _figure(values: list[float]) -> Figure:
    return Figure(statistics.median(values), min(values), max(values))


def _figures(runs: list[dict[str, float]]) -> dict[str, Figure]:
    return {key: _figure([run[key] for run in runs]) for key in runs[0]}


def run(*, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5) -> None:
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            measure(kind, url, max(1, rounds), quick)
