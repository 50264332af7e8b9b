"""Near-duplicates: copies, paraphrases and reorderings grouped; similar policy statements not."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import Session, select

from intake_api.cli import main
from intake_api.language.grouping import regroup_all
from intake_api.language.near_duplicates import THRESHOLD, components, signature, similarity
from models import Submission
from tests.factories import input_answers

CAMPAIGN = (
    "We call on governments to end recruitment fees for migrant workers now. "
    "Workers should never pay to work. Sign our petition for fair recruitment."
)
PARAPHRASED = (
    "We call on governments to end recruitment fees for migrant workers today. "
    "Workers must never pay to work. Sign our petition for fair recruitment!"
)
REORDERED = (
    "Sign our petition for fair recruitment. We call on governments to end recruitment "
    "fees for migrant workers now. Workers should never pay to work."
)
SIMILAR_POLICY = [
    "Recruitment fees charged to migrant workers should be abolished and agencies regulated by law.",
    "Governments must ban recruitment fees and make employers pay the cost of hiring migrant workers.",
    "Fair recruitment means no fees for workers, written contracts and inspections of recruitment agencies.",
]
CAMPAIGN_AR = (
    "نطالب الحكومات بإلغاء رسوم التوظيف المفروضة على العمال المهاجرين. لا يجب أن يدفع أحد ليعمل."
)
CAMPAIGN_AR_COPY = (
    "نطالب الحكومات بإلغاء رسوم التوظيف المفروضة على العمال المهاجرين! لا يجب أن يدفع أحد ليعمل"
)


def test_copies_are_close_and_policy_statements_are_not():
    base = signature(CAMPAIGN)
    for copy in (CAMPAIGN, PARAPHRASED, REORDERED):
        assert similarity(base, signature(copy)) >= THRESHOLD
    assert similarity(signature(CAMPAIGN_AR), signature(CAMPAIGN_AR_COPY)) >= THRESHOLD
    for other in SIMILAR_POLICY:
        assert similarity(base, signature(other)) < THRESHOLD
    pairs = [(a, b) for a in SIMILAR_POLICY for b in SIMILAR_POLICY if a < b]
    assert all(similarity(signature(a), signature(b)) < THRESHOLD for a, b in pairs)


def test_batch_components_are_the_campaign():
    texts = [CAMPAIGN, *SIMILAR_POLICY, PARAPHRASED, REORDERED, CAMPAIGN_AR, CAMPAIGN_AR_COPY]
    groups = components((i, signature(t)) for i, t in enumerate(texts, start=1))
    assert groups == {1: 1, 5: 1, 6: 1, 7: 7, 8: 7}


def _groups(engine) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {s.text: s.duplicate_group for s in session.exec(select(Submission))}


def test_incremental_and_batch_agree(service, engine):
    texts = [
        CAMPAIGN,
        SIMILAR_POLICY[0],
        PARAPHRASED,
        SIMILAR_POLICY[1],
        REORDERED,
        CAMPAIGN_AR,
        SIMILAR_POLICY[2],
        CAMPAIGN_AR_COPY,
        CAMPAIGN,
    ]  # the last, an exact repeat from elsewhere
    for n, text in enumerate(texts):
        service.submit_input(
            input_answers(text=text), channel="web", message_id=f"d{n}", locale="en"
        )
    incremental = _groups(engine)
    assert (
        incremental[CAMPAIGN] is not None
        and incremental[CAMPAIGN] == incremental[PARAPHRASED] == incremental[REORDERED]
    )
    assert (
        incremental[CAMPAIGN_AR] is not None and incremental[CAMPAIGN_AR] != incremental[CAMPAIGN]
    )
    assert all(incremental[t] is None for t in SIMILAR_POLICY)
    summary = regroup_all(engine)
    assert _groups(engine) == incremental
    assert summary["groups"] == 2 and summary["in_groups"] == 6


def test_dedupe_command_shows_progress_and_groups(runtime, service, engine, monkeypatch):
    for n, text in enumerate([CAMPAIGN, PARAPHRASED, SIMILAR_POLICY[0]]):
        service.submit_input(
            input_answers(text=text), channel="web", message_id=f"c{n}", locale="en"
        )
    monkeypatch.setenv("INTAKE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("INTAKE_SECRET_KEY", runtime.settings.secret_key)
    result = CliRunner().invoke(main, ["dedupe"])
    assert result.exit_code == 0, result.output
    assert "3 inputs, 1 groups of near-identical texts holding 2 inputs" in result.output
