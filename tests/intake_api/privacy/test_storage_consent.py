"""Whether a chat contributor already agreed to storage under the current notice."""

from __future__ import annotations

from sqlmodel import Session, select

from models import ConsentRecord
from tests.factories import input_answers


def _agreed(runtime, user_id: int) -> bool:  # type: ignore[no-untyped-def]
    return runtime.consent.storage_agreed(channel="telegram", platform_user_id=user_id)


def test_storage_agreed_under_the_current_notice_only(service, engine, runtime):
    assert not _agreed(runtime, 70_301)  # never seen
    service.submit_input(
        input_answers(),
        channel="telegram",
        message_id="s70301",
        locale="en",
        platform_user_id=70_301,
    )
    assert _agreed(runtime, 70_301)
    assert not runtime.consent.storage_agreed(channel="slack", platform_user_id=70_301)

    with Session(engine) as session:  # the notice changed since: asked again
        for record in session.exec(select(ConsentRecord).where(ConsentRecord.kind == "store")):
            record.notice_version = "an-earlier-notice"
            session.add(record)
        session.commit()
    assert not _agreed(runtime, 70_301)


def test_an_erased_contributor_is_asked_again(service, runtime):
    service.submit_input(
        input_answers(),
        channel="telegram",
        message_id="s70302",
        locale="en",
        platform_user_id=70_302,
    )
    runtime.privacy.erase_contributor(channel="telegram", platform_user_id=70_302)
    assert not _agreed(runtime, 70_302)
