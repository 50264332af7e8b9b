"""The chat kept for messages about a review: gone with every withdrawal, erasure and the purge."""

from __future__ import annotations

from sqlmodel import Session, select

from models import ChatContact, ConsentRecord
from tests.conftest import count_rows
from tests.factories import input_answers
from tests.intake_api.privacy.test_erasure import _file_bytes, file_runtime  # noqa: F401 - fixture


def _chat_input(service, runtime, user_id: int, review: str = "escwa") -> str:  # type: ignore[no-untyped-def]
    """An input from Telegram whose author agreed to be written to about its review."""
    receipt = service.submit_input(
        input_answers(review=review),
        channel="telegram",
        message_id=f"c{user_id}{review}",
        locale="en",
        platform_user_id=user_id,
    ).code
    assert runtime.consent.record_message(
        receipt=receipt, chat_id=user_id, granted=True, channel="telegram", locale="en"
    )
    return receipt


def _kept_for(runtime, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    data = runtime.privacy.describe_contributor(channel="telegram", platform_user_id=user_id)
    return data.message_reviews if data else []


def test_the_chat_goes_with_every_withdrawal_and_erasure(service, engine, runtime):
    by_staff = _chat_input(service, runtime, 70_201)
    erased = _chat_input(service, runtime, 70_202)
    _chat_input(service, runtime, 70_203)
    _chat_input(service, runtime, 70_203, review="eca")
    _chat_input(service, runtime, 70_204)
    assert (
        _kept_for(runtime, 70_203) == ["eca", "escwa"] and count_rows(engine, "chat_contact") == 5
    )

    assert runtime.consent.withdraw(
        receipt=by_staff, consent="message", channel="slack", actor="staff:1"
    )
    assert _kept_for(runtime, 70_201) == []
    assert runtime.privacy.erase_record(receipt=erased, actor="contributor:web")
    assert _kept_for(runtime, 70_202) == []
    assert (
        runtime.consent.withdraw_for_contributor(
            channel="telegram", platform_user_id=70_203, consent="message"
        )
        == 2
    )
    assert (
        runtime.consent.withdraw_for_contributor(
            channel="telegram", platform_user_id=70_203, consent="message"
        )
        == 0
    )
    assert runtime.privacy.erase_contributor(channel="telegram", platform_user_id=70_204) == 1
    assert count_rows(engine, "chat_contact") == 0
    with Session(engine) as session:  # each withdrawal is on record, with its channel
        withdrawn = session.exec(
            select(ConsentRecord.channel).where(
                ConsentRecord.kind == "message",
                ConsentRecord.granted == False,  # noqa: E712
            )
        ).all()
    assert sorted(withdrawn) == ["slack", "telegram", "telegram"]


def test_no_trace_of_the_encrypted_chat_after_erasure(file_runtime):  # noqa: F811
    _chat_input(file_runtime.service, file_runtime, 70_205)
    with Session(file_runtime.engine) as session:
        sealed = session.exec(select(ChatContact.chat_id)).one()
    assert sealed in _file_bytes(file_runtime)
    file_runtime.privacy.erase_contributor(channel="telegram", platform_user_id=70_205)
    assert sealed not in _file_bytes(file_runtime)
