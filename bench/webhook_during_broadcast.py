"""B6x, B4 half: the Telegram webhook's p99 while a B6 broadcast goes out, against its p99 alone.

Issue 9's B6 clause is "B1/B4 p99 no more than 20% worse during it"; ``bench.during_broadcast``
measures B1 (the form), this module B4 (``POST /telegram/webhook``).

The server is B4's candidate: ``gunicorn -w 2 'intake_api.app:create_app()'`` with the Telegram
channel on (token, webhook secret), each request a ``/start`` from a new private chat (the
update telegram.lua sends, with ``X-Telegram-Bot-Api-Secret-Token``, no redeliveries). The
webhook answers once the update, its new conversation state and its two replies are stored;
the replies go out from the ``chat_reply`` queue through the one reply sender of the
deployment at 30 a second. The load is ``bench.loadgen``'s open loop at half the webhook's
own maximum, measured first in the same run with wrk and telegram.lua (40 connections, 10%
redeliveries, B4's setup). At that rate the replies are queued faster than Telegram's 30 a
second lets them go, so the reply sender sends at its full 30 a second in every round, alone
or during.

One fake Bot API (tests/fakes/bot_api.py, in a process of its own) enforcing Telegram's
limits (30 messages in any second for the bot, one a second per chat, 20 a minute per group;
429 with ``retry_after`` beyond them) serves *both* senders, as Telegram would: they share
the bot. The broadcast is the real ``gcm-intake broadcast`` (B6: 3,000 chats + 10 groups, the
minimum under the limits 102 s; ``--quick`` 300 + 10, 12 s) against that fake and from the
store the webhook writes to (its contacts added before the first round). The fake counts the
messages it accepted and the 429s it answered separately for the broadcast's chats and for
the replies' chats, so the run shows whether the two senders together went over the limit.

Rounds as in ``bench.during_broadcast``: ROUND seconds each, up to PER_BROADCAST inside one
broadcast, the first SETTLE seconds after its process starts, each checked to have ended
before the broadcast did; the alone rounds before, between and after (``--rounds 3``: A A
[D D D] A). Ratio = median p99 during / median p99 alone; target <= 1.2, judged only when
every round kept up with the rate (no errors, at least 95% of it answered). On PostgreSQL the
store gets ``VACUUM ANALYZE`` before every round (this machine runs autovacuum off). The cores
each party used in every round (the webhook's server, the broadcast, the fake Bot API,
PostgreSQL, the load generator, anything else) come from /proc.

Run: python -m bench --only B6x-B4 [--databases sqlite] [--rounds 3] [--quick]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import dataset
from bench.b6_broadcast import (
    FIRST_CHAT,
    FULL,
    GROUPS,
    MESSAGE,
    QUICK,
    SECRET,
    Size,
    _command,
    prepare,
)
from bench.chat_webhooks import CONNECTIONS, TELEGRAM_SECRET, _count
from bench.common import Figure, check_delivered, database, note, report
from bench.during_broadcast import (
    KEPT_UP,
    ROUND,
    SETTLE,
    TARGET,
    Shares,
    schedule,
    vacuum_analyze,
)
from bench.loadgen import http_request, open_loop
from bench.servers import gunicorn, wrk
from tests.fakes.bot_api import TOKEN
from tests.processes import clean_env

WEBHOOK = "/telegram/webhook"
OPEN_LOOP_IDS = 5_000_000_000  # the open loop's update and chat ids; wrk's (telegram.lua) start at 1,000,000,000


def update_body(update_id: int) -> bytes:
    """A /start from a new private chat: telegram.lua's update."""
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 1_000_000,
                "date": 1764000000,
                "chat": {"id": update_id, "type": "private", "first_name": "B"},
                "from": {
                    "id": update_id,
                    "is_bot": False,
                    "first_name": "B",
                    "language_code": "en",
                },
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        },
        separators=(",", ":"),
    ).encode()


def webhook_builder(base: str, secret: str, round_id: int) -> Callable[[int], bytes]:
    """``build(i)`` for ``bench.loadgen.open_loop``: update ``i`` of round ``round_id``, each from a chat of its own."""

    def build(i: int) -> bytes:
        body = update_body(OPEN_LOOP_IDS + round_id * 10_000_000 + i)
        return http_request(
            "POST",
            base + WEBHOOK,
            body,
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )

    return build


# The shared fake Bot API, in a process of its own ------------------------------------------


def _is_broadcast_chat(chat: str) -> bool:
    """The broadcast's recipients: its groups (negative ids) and its contributors' chats."""
    return chat.startswith("-") or (
        chat.isdigit() and FIRST_CHAT <= int(chat) < FIRST_CHAT + 1_000_000
    )


def _serve_fake() -> int:
    """``--fake``: an enforcing fake Bot API; each line read is answered with its counts as JSON."""
    from tests.fakes.bot_api import FakeBotApi, Limits

    api = FakeBotApi(Limits()).start()
    print(api.base_url, flush=True)
    for _line in sys.stdin:
        per_chat = api.messages_per_chat()
        refused = Counter(api.refused)  # a copy: the server threads go on counting
        stats: dict[str, Any] = {
            "broadcast_sent": 0,
            "replies_sent": 0,
            "broadcast_429": 0,
            "replies_429": 0,
            "per_chat": {},
        }
        for chat, count in per_chat.items():
            if _is_broadcast_chat(chat):
                stats["broadcast_sent"] += count
                stats["per_chat"][chat] = count
            else:
                stats["replies_sent"] += count
        for chat, count in refused.items():
            stats["broadcast_429" if _is_broadcast_chat(chat) else "replies_429"] += count
        print(json.dumps(stats), flush=True)
    api.stop()
    return 0


@dataclass
class SharedFake:
    url: str
    process: subprocess.Popen[str]

    def stats(self) -> dict[str, Any]:
        """Accepted messages and 429s so far, for the broadcast's chats and the replies' chats."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))


@contextmanager
def shared_fake() -> Iterator[SharedFake]:
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.webhook_during_broadcast", "--fake"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield SharedFake(process.stdout.readline().strip(), process)
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    return {
        key: after[key] - before[key]
        for key in ("broadcast_sent", "replies_sent", "broadcast_429", "replies_429")
    }


# The broadcast, against the shared fake ----------------------------------------------------


class Broadcast:
    """``gcm-intake broadcast`` (B6's command line) as a child process, against the shared fake."""

    def __init__(self, url: str, api_url: str, size: Size, folder: Path, number: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
        env.update(
            INTAKE_DATABASE_URL=url,
            INTAKE_SECRET_KEY=SECRET,
            INTAKE_TELEGRAM_TOKEN=TOKEN,
            INTAKE_TELEGRAM_API_URL=api_url,
        )
        self.output = (folder / f"broadcast-{number}.out").open("w+")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            _command(folder, number, size),
            cwd=folder,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self, timeout: float = 900) -> float:
        """Wait for the end; the command's wall time (seconds)."""
        self.process.wait(timeout)
        elapsed = time.perf_counter() - self.started
        self.output.seek(0)
        text = self.output.read()
        self.output.close()
        if self.process.returncode != 0:
            raise RuntimeError(f"broadcast failed:\n{text[-3000:]}")
        return elapsed

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        if not self.output.closed:
            self.output.close()


# Cores a round used ---------------------------------------------------------------------------


LABELS = {
    "server_cores": "webhook server",
    "broadcast_cores": "broadcast",
    "fake_cores": "fake Bot API",
    "postgres_cores": "PostgreSQL",
    "runner_cores": "load generator",
    "other_cores": "other",
}


def _cpu(figures: dict[str, float]) -> str:
    return "cores: " + ", ".join(
        f"{label} {figures[key]:.2f}" for key, label in LABELS.items() if key in figures
    )


def _figure(values: list[float]) -> Figure:
    return Figure(statistics.median(values), min(values), max(values))


def _figures(runs: list[dict[str, float]]) -> dict[str, Figure]:
    return {key: _figure([run[key] for run in runs]) for key in runs[0]}


# The measurement ------------------------------------------------------------------------------


def measure(kind: str, url: str, rounds: int, quick: bool, maintain: bool = True) -> None:
    length, settle = (2.0, 1.0) if quick else (ROUND, SETTLE)
    size = QUICK if quick else FULL
    prepare(
        url, size
    )  # the broadcast's contacts, before any round: alone and during see the same store
    with tempfile.TemporaryDirectory() as instance, shared_fake() as api:
        env = clean_env(
            INTAKE_DATABASE_URL=url,
            INTAKE_SECRET_KEY=SECRET,
            INTAKE_INSTANCE_PATH=instance,
            INTAKE_TELEGRAM_TOKEN=TOKEN,
            INTAKE_TELEGRAM_API_URL=api.url,
            INTAKE_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        )
        with gunicorn("intake_api.app:create_app()", env) as app:
            wrk_rounds = iter(range(1, 1000))

            def max_rate() -> float:
                result = wrk(
                    app.url + WEBHOOK,
                    script="telegram.lua",
                    args=(TELEGRAM_SECRET, str(next(wrk_rounds))),
                    connections=CONNECTIONS,
                    duration=2.0 if quick else 6.0,
                )
                if result.errors:
                    raise RuntimeError(f"B6x webhook errors: {result.errors}\n{result.output}")
                return result.requests_per_s

            max_rate()  # warm up both workers (the bot client connects on the first update)
            maximum = _figure([max_rate() for _ in range(1 if quick else 3)])
            rate = maximum.median / 2
            note(
                f"webhook's maximum (wrk -c {CONNECTIONS}, telegram.lua): {maximum.median:.0f} updates/s "
                f"[{maximum.low:.0f}–{maximum.high:.0f}]; open loop at half of it: {rate:.0f} updates/s, "
                f"{length:.0f} s rounds"
            )
            counter = iter(range(1, 1000))

            def one(broadcast_pid: int | None = None) -> dict[str, float]:
                n = next(counter)
                if maintain:
                    vacuum_analyze(url)
                build = webhook_builder(app.url, TELEGRAM_SECRET, n)
                before = api.stats()
                shares = Shares(
                    {"server": app.process.pid, "broadcast": broadcast_pid, "fake": api.process.pid}
                )
                result = open_loop(app.url, rate=rate, duration=length, build=build)
                cores = shares.cores()
                sent = delta(api.stats(), before)
                return {
                    "p99": result.p99_ms,
                    "p50": result.p50_ms,
                    "errors": result.errors,
                    "refused": result.refused,
                    "late": result.late_sends_ms,
                    "achieved": result.achieved,
                    **cores,
                    **{key: float(value) for key, value in sent.items()},
                }

            def line(label: str, figures: dict[str, float]) -> None:
                print(
                    f"  {label}: p99 {figures['p99']:.1f} ms, p50 {figures['p50']:.1f} ms, answered "
                    f"{figures['achieved']:.0f}/s, {figures['errors']:.0f} errors; at the fake: replies "
                    f"{figures['replies_sent']:.0f} sent / {figures['replies_429']:.0f} x 429, broadcast "
                    f"{figures['broadcast_sent']:.0f} / {figures['broadcast_429']:.0f} x 429; {_cpu(figures)}",
                    flush=True,
                )

            alone: list[dict[str, float]] = []
            during: list[dict[str, float]] = []
            broadcasts: list[dict[str, Any]] = []
            quiet: list[
                dict[str, float]
            ] = []  # the fake's counts outside the broadcasts (alone rounds and gaps)
            expected = {str(FIRST_CHAT + n): 1 for n in range(size.chats)} | {
                str(g): len(MESSAGE) for g in GROUPS[: size.groups]
            }
            with tempfile.TemporaryDirectory() as folder:
                mark, marked = api.stats(), time.perf_counter()
                for number, step in enumerate(schedule(rounds), start=1):
                    if step == ["A"]:
                        alone.append(one())
                        line("alone", alone[-1])
                        continue
                    before = api.stats()
                    quiet.append({**delta(before, mark), "seconds": time.perf_counter() - marked})
                    background = Broadcast(url, api.url, size, Path(folder), number)
                    try:
                        time.sleep(settle)
                        for _ in step:
                            begun = time.perf_counter() - background.started
                            figures = one(background.process.pid)
                            if background.process.poll() is not None:
                                raise RuntimeError(
                                    "B6x: the broadcast ended before the round did; use fewer or shorter rounds"
                                )
                            during.append(figures)
                            line(
                                f"during ({begun:.0f}–{time.perf_counter() - background.started:.0f} s into the broadcast)",
                                figures,
                            )
                        seconds = background.result()
                    finally:
                        background.stop()
                    after = api.stats()
                    mark, marked = after, time.perf_counter()
                    counts = Counter(after["per_chat"]) - Counter(before["per_chat"])
                    sent = {
                        **delta(after, before),
                        "seconds": seconds,
                        "twice": sum(1 for chat, c in counts.items() if c > expected.get(chat, 0)),
                        "missing": sum(
                            1 for chat, c in expected.items() if counts.get(chat, 0) < c
                        ),
                    }
                    broadcasts.append(sent)
                    print(
                        f"  broadcast: {seconds:.1f} s (minimum {size.minimum:.0f} s), {sent['broadcast_sent']} "
                        f"messages, {sent['broadcast_429']} x 429, {sent['twice']} twice, {sent['missing']} missing; "
                        f"meanwhile the replies: {sent['replies_sent']} sent ({sent['replies_sent'] / seconds:.1f}/s), "
                        f"{sent['replies_429']} x 429",
                        flush=True,
                    )
                quiet.append({**delta(api.stats(), mark), "seconds": time.perf_counter() - marked})

            base, cand = _figures(alone), _figures(during)
            errors = base["errors"].high + cand["errors"].high
            ratio = cand["p99"].median / base["p99"].median
            kept_up = (
                errors == 0 and min(base["achieved"].low, cand["achieved"].low) >= KEPT_UP * rate
            )
            report(
                f"B6x Telegram webhook {kind}, p99 at {rate:.0f} updates/s during a broadcast vs alone",
                "ms",
                base["p99"],
                cand["p99"],
                target=f"<= {TARGET}x alone",
                met=kept_up and ratio <= TARGET,
                benchmark="B6x",
                database=kind,
                metric="B4 p99 during broadcast",
                rate=rate,
                maximum=maximum.median,
            )
            if not kept_up:
                note(
                    f"not judged met: some rounds did not keep up with {rate:.0f} updates/s (answered as few as "
                    f"{min(base['achieved'].low, cand['achieved'].low):.0f}/s, errors {errors:.0f}): their p99 is a queue"
                )
            note(
                f"p50: during {cand['p50'].median:.1f} ms, alone {base['p50'].median:.1f} ms; answered "
                f"{cand['achieved'].median:.0f}/s during, {base['achieved'].median:.0f}/s alone; generator's own p99 "
                f"lateness {cand['late'].median:.1f} ms during, {base['late'].median:.1f} ms alone"
            )
            note(
                "cores used, median of the rounds: during "
                + _cpu({k: v.median for k, v in cand.items()})
                + "; alone "
                + _cpu({k: v.median for k, v in base.items()})
            )
            wall = _figure([b["seconds"] for b in broadcasts])
            quiet_time = sum(q["seconds"] for q in quiet) or 1.0
            note(
                f"the broadcasts ({size.chats} chats + {size.groups} groups, same store, same fake as the replies): "
                f"{wall.median:.1f} s [{wall.low:.1f}–{wall.high:.1f}] against a {size.minimum:.0f} s minimum "
                f"({wall.median / size.minimum:.2f}x), {sum(b['broadcast_429'] for b in broadcasts)} x 429, "
                f"{sum(b['twice'] + b['missing'] for b in broadcasts)} reached twice or not at all"
            )
            check_delivered(
                f"B6x webhook {kind}",
                twice=sum(b["twice"] for b in broadcasts),
                missing=sum(b["missing"] for b in broadcasts),
                refused=int(base["refused"].high + cand["refused"].high),
            )
            note(
                f"the replies at the fake: during the broadcasts {sum(b['replies_sent'] for b in broadcasts)} sent, "
                f"{sum(b['replies_429'] for b in broadcasts)} x 429 "
                f"({sum(b['replies_sent'] for b in broadcasts) / sum(b['seconds'] for b in broadcasts):.1f}/s); "
                f"outside them {sum(q['replies_sent'] for q in quiet)} sent, {sum(q['replies_429'] for q in quiet)} "
                f"x 429 ({sum(q['replies_sent'] for q in quiet) / quiet_time:.1f}/s); still queued at the end: {_count(url, 'SELECT count(*) FROM chat_reply'):,}"
            )


def run(
    *, quick: bool = False, databases: Sequence[str] = ("sqlite", "postgresql"), rounds: int = 3
) -> None:
    for kind in databases:
        with database(kind) as url:
            dataset.create_store(url)
            measure(kind, url, max(1, rounds), quick)


if __name__ == "__main__":
    if sys.argv[1:] == ["--fake"]:  # the shared fake Bot API's process (``shared_fake``)
        sys.exit(_serve_fake())
    run(quick="--quick" in sys.argv, databases=("sqlite",))
