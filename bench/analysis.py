"""Issue 8: the cost of text analysis at intake, and the batch regrouping over 100,000 inputs.

A. Intake path with analysis (language, objective suggestions, MinHash, grouping) against
   the same path without it, one SQLite transaction per input: median milliseconds per
   input, and the difference (target: analysis adds at most 2 ms). Two workloads: texts
   not sent before, and copies of earlier inputs (a campaign, the costlier case).
B. `gcm-intake dedupe`'s batch over 100,000 inputs against a bare pass over the same rows
   (reading the texts and writing one value back): seconds (target: under 60 s).

Run: python -m bench.analysis [--inputs 100000]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text as sql

from bench.common import alternate, report
from intake_api.crypto import KeyRing
from intake_api.demo import demo_corpus
from intake_api.language.grouping import regroup_all
from intake_api.service import IntakeService
from models.db import make_engine
from models.migrate import upgrade

PER_ROUND = 200
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*")


def _answers(text: str) -> dict[str, object]:
    return {
        "review": "escwa",
        "stakeholder_group": "youth",
        "theme": "cooperation",
        "objectives": ["5"],
        "text": text,
        "consent_store": "on",
        "consent_quote": "on",
    }


def distinct_texts(corpus: list[dict[str, str]], count: int) -> list[str]:
    """``count`` different inputs of the demo texts' usual length: the first half (in sentences)
    of one demo text and the second half of another in the same language, each pair once."""
    by_locale: dict[str, list[list[str]]] = {}
    for entry in corpus:
        by_locale.setdefault(entry["locale"], []).append(_SENTENCE_END.split(entry["text"].strip()))
    pairs = [
        " ".join(a[: max(1, len(a) // 2)] + b[max(1, len(b) // 2) :])
        for texts in by_locale.values()
        for a in texts
        for b in texts
        if a is not b and len(b) > 1
    ]
    random.Random(2026).shuffle(pairs)
    pairs = list(dict.fromkeys(pairs))
    if len(pairs) < count:
        raise ValueError(f"only {len(pairs)} distinct texts for {count} inputs")
    return pairs[:count]


def intake_per_input(directory: Path, *, rounds: int = 5, per_round: int = PER_ROUND) -> None:
    """A on two workloads: every input a text not sent before (what most intake is), and every
    input a copy of an earlier one (a copy-paste campaign: each finds its group and joins it)."""
    corpus = demo_corpus()
    workloads = {
        "distinct texts": distinct_texts(corpus, 2 * rounds * per_round),
        "copies of earlier inputs": [entry["text"] for entry in corpus],
    }
    for workload, texts in workloads.items():
        _intake_per_input(
            directory / workload.replace(" ", "-"), texts, workload, rounds, per_round
        )


def _intake_per_input(
    directory: Path, texts: list[str], workload: str, rounds: int, per_round: int
) -> None:
    directory.mkdir()
    engines = {}
    services = {}
    for analysis in (False, True):
        engine = make_engine(f"sqlite:///{directory / f'intake-{analysis}.db'}")
        upgrade(engine)
        engines[analysis] = engine
        services[analysis] = IntakeService(engine, KeyRing("bench"), analysis=analysis)
    counter = iter(range(10**9))

    def one_round(analysis: bool) -> float:
        timings = []
        for _ in range(per_round):
            n = next(counter)
            started = time.perf_counter()
            services[analysis].submit_input(
                _answers(texts[n % len(texts)]), channel="web", message_id=f"m{n}", locale="en"
            )
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000

    bare, full = alternate(lambda: one_round(False), lambda: one_round(True), rounds=rounds)
    added = full.median - bare.median
    report(
        f"A intake per input, {workload} (median)",
        "ms",
        bare,
        full,
        target="analysis adds <= 2 ms",
        met=added <= 2.0,
    )
    print(f"  analysis adds {added:.3f} ms per input (median of medians)", flush=True)
    for engine in engines.values():
        engine.dispose()


def batch(directory: Path, inputs: int, *, rounds: int = 3) -> None:
    engine = make_engine(f"sqlite:///{directory / 'batch.db'}")
    upgrade(engine)
    service = IntakeService(engine, KeyRing("bench"), analysis=False)
    texts = [entry["text"] for entry in demo_corpus()]
    rng = random.Random(8)
    started = time.perf_counter()
    rows = []
    for n in range(inputs):
        words = texts[n % len(texts)].split()
        if n % 7:  # most texts differ a little, as real inputs do; every 7th is an exact copy
            rng.shuffle(words)
        rows.append(
            {
                "review_slug": "escwa",
                "text": " ".join(words),
                "receipt": f"IN-B{n:07d}",
                "channel": "web",
                "channel_message_id": f"b{n}",
                "locale": "en",
                "consent_store": True,
                "consent_quote": False,
                "consent_version": "bench",
                "status": "new",
            }
        )
    with engine.begin() as connection:
        connection.execute(
            sql(
                "INSERT INTO submission (review_slug, text, receipt, channel, channel_message_id, locale, consent_store, "
                "consent_quote, consent_version, status, created_at, updated_at) VALUES (:review_slug, :text, :receipt, "
                ":channel, :channel_message_id, :locale, :consent_store, :consent_quote, :consent_version, :status, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            rows,
        )
    print(f"  loaded {inputs} inputs in {time.perf_counter() - started:.1f} s", flush=True)
    del service

    def bare() -> float:
        started = time.perf_counter()
        with engine.begin() as connection:
            texts_read = connection.execute(sql("SELECT id, text FROM submission")).all()
            connection.execute(
                sql("UPDATE submission SET duplicate_group = NULL WHERE id = :id"),
                [{"id": i} for i, _ in texts_read],
            )
        return time.perf_counter() - started

    def regroup() -> float:
        with engine.begin() as connection:
            connection.execute(sql("UPDATE submission SET minhash = NULL"))
        started = time.perf_counter()
        summary = regroup_all(engine)
        elapsed = time.perf_counter() - started
        print(f"    regrouped: {summary}", flush=True)
        return elapsed

    base, cand = alternate(bare, regroup, rounds=rounds)
    report(
        f"B dedupe batch over {inputs} inputs",
        "s",
        base,
        cand,
        target="< 60 s on 2 cores",
        met=cand.median < 60,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--inputs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        intake_per_input(Path(directory))
        batch(Path(directory), args.inputs)


if __name__ == "__main__":
    main()
