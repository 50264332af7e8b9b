"""B6x: B1's p99 while a B6 broadcast goes out, against B1's p99 alone ("no more than 20% worse").

The server is B1's candidate: ``gunicorn -w 2 'intake_api.app:create_app()'``, rate limits off,
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
median p99 alone; target <= 1.2, judged only when every round kept up with the rate (no errors,
at least 95% of it answered): a growing queue is overload, not latency. The broadcast's own figures under
that load are printed too (its wall time against the 102 s minimum, 429s, nobody twice),
and the cores each party used during every round (the form's server, the broadcast's
processes, PostgreSQL, the load generator, anything else on the machine), from /proc.
On PostgreSQL the store gets ``VACUUM ANALYZE`` before every round, alone or during: what
autovacuum does in production; the benchmark machine runs PostgreSQL with autovacuum off,
where the planner never learns the tables grew and the form slows down as the store does.

B4's p99 during B6 (the other half of issue 9's clause) is ``bench.webhook_during_broadcast``;
``python -m bench --only B6x`` runs both, ``B6x-B1`` this one alone.

Run: python -m bench --only B6x-B1 [--databases sqlite] [--rounds 5] [--quick]
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import dataset
from bench.b6_broadcast import FULL, QUICK, SECRET, run_broadcast_in_background
from bench.common import Figure, check_delivered, database, note, raw_dsn, report
from bench.loadgen import open_loop
from bench.servers import gunicorn, wrk
from bench.web_form import CONNECTIONS, FORM, app_env, form_bodies, form_session, post_builder

TARGET = 1.2
KEPT_UP = 0.95  # a round kept up when it answered at least this share of the rate
PER_BROADCAST = 3
ROUND, SETTLE = 12.0, 3.0  # seconds; --quick: 2 s rounds, 1 s settle, 300-chat broadcasts (12 s)


def vacuum_analyze(url: str) -> None:
    """PostgreSQL: VACUUM ANALYZE the store, what autovacuum would do (this machine runs it off)."""
    if not url.startswith("postgresql"):
        return
    import psycopg

    with psycopg.connect(raw_dsn(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process and its live descendants, from /proc."""
    table = _processes()
    return sum(cpu for p, (cpu, _parent, _name) in table.items() if _descends(p, pid, table))


def _processes() -> dict[int, tuple[float, int, str]]:
    """Every live process: CPU seconds (user + system), parent, name."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
            fields = rest.split()
            table[int(entry.name)] = (
                (int(fields[11]) + int(fields[12])) / tick,
                int(fields[1]),
                head.partition("(")[2],
            )
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue  # it ended meanwhile
    return table


def _descends(pid: int, ancestor: int, table: dict[int, tuple[float, int, str]]) -> bool:
    while pid > 0:
        if pid == ancestor:
            return True
        pid = table[pid][1] if pid in table else 0
    return False


def machine_busy() -> float:
    """CPU seconds the machine spent busy (every core), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Shares:
    """Cores used during a round by each named process tree, PostgreSQL, this runner and anything else."""

    def __init__(self, parties: dict[str, int | None]) -> None:
        self.parties = parties
        self.before, self.busy, self.started = _processes(), machine_busy(), time.perf_counter()

    def cores(self) -> dict[str, float]:
        after, busy, elapsed = _processes(), machine_busy(), time.perf_counter() - self.started
        shares = {f"{name}_cores": 0.0 for name in [*self.parties, "postgres", "runner"]}
        for pid, (cpu, _parent, name) in after.items():
            used = cpu - self.before[pid][0] if pid in self.before else cpu
            party = next(
                (p for p, root in self.parties.items() if root and _descends(pid, root, after)),
                None,
            )
            if party:
                shares[f"{party}_cores"] += used
            elif name.startswith("postgres"):
                shares["postgres_cores"] += used
            elif pid == os.getpid():
                shares["runner_cores"] += used
        shares = {key: value / elapsed for key, value in shares.items()}
        shares["other_cores"] = max(0.0, (busy - self.busy) / elapsed - sum(shares.values()))
        return shares


def schedule(rounds: int) -> list[list[str]]:
    """The order of the rounds: alone rounds ("A") around groups of rounds inside one broadcast ("D")."""
    broadcasts = math.ceil(rounds / PER_BROADCAST)
    during = [
        rounds // broadcasts + (1 if b < rounds % broadcasts else 0) for b in range(broadcasts)
    ]
    gaps = broadcasts + 1
    alone = [rounds // gaps + (1 if g < rounds % gaps else 0) for g in range(gaps)]
    order: list[list[str]] = []
    for b in range(broadcasts):
        order += [["A"]] * alone[b] + [["D"] * during[b]]
    return order + [["A"]] * alone[-1]


def measure(kind: str, url: str, rounds: int, quick: bool, maintain: bool = True) -> None:
    length, settle = (2.0, 1.0) if quick else (ROUND, SETTLE)
    size = QUICK if quick else FULL
    with (
        tempfile.TemporaryDirectory() as instance,
        gunicorn(
            "intake_api.app:create_app()", app_env(url, instance) | {"INTAKE_SECRET_KEY": SECRET}
        ) as app,
    ):
        token, cookie = form_session(app.url)
        bodies = form_bodies()
        bodies_file = Path(instance) / "bodies.txt"
        bodies_file.write_text("\n".join(bodies) + "\n")

        def max_rate() -> float:
            result = wrk(
                app.url + FORM,
                script="form.lua",
                args=(token, cookie, str(bodies_file)),
                connections=CONNECTIONS,
                duration=2.0 if quick else 6.0,
            )
            if result.errors:
                raise RuntimeError(f"B6x form POSTs failed: {result.errors}\n{result.output}")
            return result.requests_per_s

        max_rate()  # warm up both workers
        maximum = _figure([max_rate() for _ in range(1 if quick else 3)])
        # At least one request a second: a machine too busy to answer wrk's short quick rounds
        # still gets a latency measured instead of an empty round.
        rate = max(maximum.median / 2, 1.0)
        note(
            f"candidate's maximum (wrk -c {CONNECTIONS}): {maximum.median:.0f} req/s "
            f"[{maximum.low:.0f}–{maximum.high:.0f}]; open loop at half of it: {rate:.0f} req/s, {length:.0f} s rounds"
        )

        build = post_builder(app.url, token, cookie, bodies)
        counter = iter(range(1, 10**6))

        def one(broadcast_pid: int | None = None) -> dict[str, float]:
            n = next(counter)
            if maintain:
                vacuum_analyze(url)
            shares = Shares({"server": app.process.pid, "broadcast": broadcast_pid})
            result = open_loop(
                app.url, rate=rate, duration=length, build=lambda i: build(n * 10**7 + i)
            )
            return {
                "p99": result.p99_ms,
                "p50": result.p50_ms,
                "errors": result.errors,
                "refused": result.refused,
                "late": result.late_sends_ms,
                "achieved": result.achieved,
                **shares.cores(),
            }

        alone: list[dict[str, float]] = []
        during: list[dict[str, float]] = []
        broadcasts: list[dict[str, Any]] = []
        for number, step in enumerate(schedule(rounds), start=1):
            if step == ["A"]:
                alone.append(one())
                print(
                    f"  alone: p99 {alone[-1]['p99']:.1f} ms, p50 {alone[-1]['p50']:.1f} ms, answered "
                    f"{alone[-1]['achieved']:.0f}/s, {alone[-1]['errors']:.0f} errors; {_cpu(alone[-1])}",
                    flush=True,
                )
                continue
            background = run_broadcast_in_background(
                quick=quick, database_kind=kind, url=url, round_number=number
            )
            try:
                if not background.wait_until_sending():
                    raise RuntimeError(
                        "B6x: the broadcast did not start:\n" + "\n".join(background.lines[-20:])
                    )
                launched = time.perf_counter()
                time.sleep(settle)
                for _ in step:
                    begun = time.perf_counter() - launched
                    figures = one(background.process.pid)
                    if background.process.poll() is not None:
                        raise RuntimeError(
                            "B6x: the broadcast ended before the round did; use fewer or shorter rounds"
                        )
                    during.append(figures)
                    print(
                        f"  during ({begun:.0f}–{time.perf_counter() - launched:.0f} s into the broadcast): p99 "
                        f"{figures['p99']:.1f} ms, p50 {figures['p50']:.1f} ms, answered {figures['achieved']:.0f}/s, "
                        f"{figures['errors']:.0f} errors; "
                        f"{_cpu(figures)}",
                        flush=True,
                    )
                broadcasts.append(background.result())
            finally:
                background.stop()
            sent = broadcasts[-1]
            print(
                f"  broadcast: {sent['seconds']:.1f} s (minimum {sent['minimum']:.0f} s), "
                f"{sent['too_many_requests']} x 429, {sent['twice']} twice, {sent['missing']} missing",
                flush=True,
            )

        base, cand = _figures(alone), _figures(during)
        errors = base["errors"].high + cand["errors"].high
        ratio = cand["p99"].median / base["p99"].median
        # Judged only when every round kept up with the rate: a p99 of a growing queue is overload,
        # and overloaded alone rounds would make any "during" look fine.
        kept_up = errors == 0 and min(base["achieved"].low, cand["achieved"].low) >= KEPT_UP * rate
        report(
            f"B6x form POST {kind}, p99 at {rate:.0f} req/s during a broadcast vs alone",
            "ms",
            base["p99"],
            cand["p99"],
            target=f"<= {TARGET}x alone",
            met=kept_up and ratio <= TARGET,
            benchmark="B6x",
            database=kind,
            metric="p99 during broadcast",
            rate=rate,
            maximum=maximum.median,
        )
        if not kept_up:
            note(
                f"not judged met: some rounds did not keep up with {rate:.0f} req/s (answered as few as "
                f"{min(base['achieved'].low, cand['achieved'].low):.0f}/s, errors {errors:.0f}): their p99 is a queue"
            )
        note(
            f"p50: during {cand['p50'].median:.1f} ms, alone {base['p50'].median:.1f} ms; answered "
            f"{cand['achieved'].median:.0f}/s during, {base['achieved'].median:.0f}/s alone; errors {cand['errors'].high:.0f} "
            f"during, {base['errors'].high:.0f} alone; generator's own p99 lateness {cand['late'].median:.1f} ms during, "
            f"{base['late'].median:.1f} ms alone"
        )
        note(
            "cores used, median of the rounds: during "
            + _cpu({k: v.median for k, v in cand.items()})
            + "; alone "
            + _cpu({k: v.median for k, v in base.items()})
        )
        seconds = _figure([b["seconds"] for b in broadcasts])
        note(
            f"the broadcasts under that load ({size.chats} chats + {size.groups} groups, from the form's store): "
            f"{seconds.median:.1f} s [{seconds.low:.1f}–{seconds.high:.1f}] against a {size.minimum:.0f} s minimum "
            f"({seconds.median / size.minimum:.2f}x), {sum(b['too_many_requests'] for b in broadcasts)} x 429, "
            f"{sum(b['twice'] + b['missing'] for b in broadcasts)} reached twice or not at all"
        )
        check_delivered(
            f"B6x form {kind}",
            twice=sum(b["twice"] for b in broadcasts),
            missing=sum(b["missing"] for b in broadcasts),
            refused=int(base["refused"].high + cand["refused"].high),
        )


def _cpu(figures: dict[str, float]) -> str:
    names = {
        "server_cores": "form server",
        "broadcast_cores": "broadcast",
        "postgres_cores": "PostgreSQL",
        "runner_cores": "load generator",
        "other_cores": "other",
    }
    return "cores: " + ", ".join(f"{label} {figures[key]:.2f}" for key, label in names.items())


def _figure(values: list[float]) -> Figure:
    return Figure(statistics.median(values), min(values), max(values))


def _figures(runs: list[dict[str, float]]) -> dict[str, Figure]:
    return {key: _figure([run[key] for run in runs]) for key in runs[0]}


def run(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 5
) -> None:
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            measure(kind, url, max(1, rounds), quick)
