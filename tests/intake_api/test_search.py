"""Full-text search finds pledges and practices by their words, in all seven languages, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from intake_api.policies.publication import public_items
from intake_api.search import rank, text_matches
from models.full_text import query_words
from models.pledge import Pledge
from models.practice import Practice
from models.publishable import PublishableRecord

LOCALES = ("en", "fr", "es", "ar", "ru", "zh", "pt")

# One pledge per language: (title, text).
PLEDGES = {
    "en": ("Fair recruitment", "We will end recruitment fees for seasonal workers by 2027."),
    "fr": ("Accueil digne", "Nous accueillerons chaque migrant dans des centres ouverts."),
    "es": ("Salud para todas", "Garantizaremos la salud de las trabajadoras domésticas."),
    "ar": ("حماية الحقوق", "سنحمي حقوق العمال المهاجرين في المنطقة."),
    "ru": ("Права трудящихся", "Мы обеспечим защиту прав трудящихся мигрантов в регионе."),
    "zh": ("为移民提供法律援助", "我们将保护移民工人的权利并提供免费服务。"),
    "pt": ("Registo civil", "Vamos garantir documentos de identidade para todas as crianças."),
}
# A word of each text, as a reader types it.
WORD = {
    "en": "recruitment",
    "fr": "centres",
    "es": "salud",
    "ar": "المهاجرين",
    "ru": "защиту",
    "zh": "移民",
    "pt": "documentos",
}
# Another form of a word of each text, found where the language is stemmed.
INFLECTED_EVERYWHERE = {  # SQLite's Porter folds these plurals too
    "en": "worker",
    "fr": "migrants",
    "es": "trabajadora",
    "pt": "criança",
}
INFLECTED_ON_POSTGRESQL = {  # the language's own stemmer
    "ru": "мигранты",
    "ar": "مهاجر",
    "fr": "accueillir",
    "es": "garantizar",
}


def _submit(service, locale: str, title: str, body: str, n: int) -> str:  # type: ignore[no-untyped-def]
    receipt = service.submit_pledge(
        {
            "organisation": "Network member",
            "stakeholder_group": "civil_society",
            "title": title,
            "text": body,
            "objectives": ["6"],
            "consent_store": "on",
            "consent_publish": "on",
        },
        channel="web",
        message_id=f"search-{n}",
        locale=locale,
    )
    return str(receipt.code)


@pytest.fixture
def pledges(service) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The receipt of each language's pledge."""
    return {
        locale: _submit(service, locale, *PLEDGES[locale], n) for n, locale in enumerate(LOCALES)
    }


def found(engine: Engine, query: str, model: type[PublishableRecord] = Pledge) -> set[str]:
    with Session(engine) as session:
        condition = text_matches(model, query, dialect=engine.dialect.name)
        return set(session.exec(select(model.receipt).where(condition)).all())


@pytest.mark.parametrize("locale", LOCALES)
def test_a_word_finds_its_pledge_in_every_language(engine, pledges, locale):
    assert found(engine, WORD[locale]) == {pledges[locale]}
    assert found(engine, WORD[locale].upper()) == {pledges[locale]}


@pytest.mark.parametrize(("locale", "word"), INFLECTED_EVERYWHERE.items())
def test_an_inflected_word_finds_its_pledge(engine, pledges, locale, word):
    assert found(engine, word) == {pledges[locale]}


@pytest.mark.postgres
@pytest.mark.parametrize(("locale", "word"), INFLECTED_ON_POSTGRESQL.items())
def test_the_record_languages_stemmer_finds_inflected_words_on_postgresql(
    engine, pledges, locale, word
):
    if engine.dialect.name != "postgresql":
        pytest.skip("stemming per language is PostgreSQL's")
    assert found(engine, word) == {pledges[locale]}


def test_a_chinese_word_inside_a_sentence_is_found(engine, pledges):
    for word in ("移民", "工人", "权利", "免费服务", "援助", "民"):
        assert found(engine, word) == {pledges["zh"]}, word
    assert found(engine, "教育") == set()  # not in any text
    assert found(engine, "移工") == set()  # both characters, never side by side


def test_arabic_is_found_with_or_without_diacritics(engine, service, pledges):
    assert found(engine, "المُهاجِرِينَ") == {pledges["ar"]}
    assert found(engine, "المهـــاجرين") == {pledges["ar"]}  # tatweel
    voweled = _submit(service, "ar", "تعليم", "سَنُوَفِّرُ التَّعْلِيمَ لِأَطْفَالِ اللاجئين", 99)
    assert found(engine, "التعليم") == {voweled}
    assert found(engine, "لاطفال") == {voweled}  # alef with hamza, written plain


def test_every_word_must_match(engine, pledges):
    assert found(engine, "recruitment seasonal") == {pledges["en"]}
    assert found(engine, "recruitment migrant") == set()
    assert found(engine, "nothingofthekind") == set()


def test_a_query_with_no_word_adds_no_condition(engine, pledges):
    assert found(engine, "") == found(engine, " \u200f!? ") == set(pledges.values())


def test_search_composes_with_the_publication_rule(engine, pledges):
    with Session(engine) as session:
        shown = session.exec(select(Pledge).where(col(Pledge.receipt) == pledges["fr"])).one()
        shown.published_at = datetime.now(UTC)
        session.add(shown)
        session.commit()
        dialect = engine.dialect.name
        public = session.exec(
            select(Pledge.receipt).where(
                public_items(Pledge), text_matches(Pledge, "migrant OR salud", dialect=dialect)
            )
        ).all()
    assert public == []  # every word must match, "OR" is a word
    with Session(engine) as session:
        public = session.exec(
            select(Pledge.receipt).where(
                public_items(Pledge), text_matches(Pledge, "centres", dialect=dialect)
            )
        ).all()
    assert public == [pledges["fr"]]


def test_an_updated_record_is_found_by_its_new_words(engine, pledges):
    with Session(engine) as session:
        pledge = session.exec(select(Pledge).where(col(Pledge.receipt) == pledges["en"])).one()
        pledge.text = "We will open safe pathways for students."
        session.add(pledge)
        session.commit()
    assert found(engine, "pathways") == {pledges["en"]}
    assert found(engine, "seasonal") == set()


def test_an_erased_record_is_no_longer_found(engine, runtime, pledges):
    assert runtime.privacy.erase_record(receipt=pledges["ru"], actor="test")
    assert found(engine, "защиту") == set()
    assert found(engine, "права") == set()
    if engine.dialect.name == "sqlite":  # gone from the index itself, not only from the table
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "CREATE VIRTUAL TABLE temp.pledge_terms USING fts5vocab(main, pledge_fts, row)"
            )
            terms = set(connection.exec_driver_sql("SELECT term FROM temp.pledge_terms").scalars())
        assert "защиту" not in terms and "recruit" in terms
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store = Path(str(engine.url.database))
        raw = b"".join(p.read_bytes() for p in store.parent.glob(f"{store.name}*"))
        assert "защиту".encode() not in raw and b"recruit" in raw


def test_practices_are_searched_in_their_own_columns(engine, service):
    receipt = service.submit_practice(
        {
            "title": "Enregistrement mobile des naissances",
            "objectives": ["4"],
            "countries": ["NE"],
            "description": "Des équipes mobiles enregistrent les naissances aux frontières.",
            "organisation": "Réseau Sahel",
            "partners": "Union des maires",
            "consent_store": "on",
        },
        channel="web",
        message_id="practice-1",
        locale="fr",
    ).code
    for word in ("naissance", "equipes", "frontieres", "sahel", "maires"):
        assert found(engine, word, Practice) == {receipt}, word
    assert found(engine, "naissance", Pledge) == set()


def test_rank_puts_the_closer_match_first(engine, service):
    one = _submit(service, "en", "Housing", "Housing for migrants.", 1)
    many = _submit(service, "en", "Housing", "Housing, housing and more housing for all.", 2)
    with Session(engine) as session:
        dialect = engine.dialect.name
        order = session.exec(
            select(Pledge.receipt)
            .where(text_matches(Pledge, "housing", dialect=dialect))
            .order_by(rank(Pledge, "housing", dialect=dialect))
        ).all()
    assert order == [many, one]


@pytest.mark.postgres
def test_the_search_condition_uses_the_gin_index(engine, pledges):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan")
    statement = select(Pledge.id).where(text_matches(Pledge, "migrant", dialect="postgresql"))
    compiled = statement.compile(engine)
    with engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))  # a handful of rows: a scan is cheaper
        plan = "\n".join(
            connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars()
        )
    assert "Bitmap Index Scan on ix_pledge_search_vector" in plan, plan
    # The words' query is computed once, as a constant the planner can estimate from.
    assert "(search_vector @@ '''migrant'' | ''migr'''::tsquery)" in plan, plan


HOSTILE = [
    '"',
    'migrant"',
    "AND",
    "OR NOT",
    "NEAR(migrant workers)",
    "migr*",
    "-migrant",
    "search_document:migrant",
    "^migrant",
    "'); DROP TABLE pledge; --",
    "a & b | !c <-> d",
    "🙂🙂",
    "\u200fمهاجر\u200e",
    "\x00",
    "(((",
    "x" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_typed_by_a_reader_never_fails(engine, pledges, query):
    found(engine, query)
    found(engine, query, Practice)


_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=120)
_LANGUAGE_TEXT = st.lists(
    st.sampled_from([t for pair in PLEDGES.values() for t in pair[1].split()]) | _TEXT,
    min_size=1,
    max_size=6,
).map(" ".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=200))
def test_any_text_is_a_query_that_never_fails(engine, query):
    found(engine, query)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_LANGUAGE_TEXT, locale=st.sampled_from(LOCALES), data=st.data())
def test_a_record_finds_itself_by_any_of_its_words(engine, body, locale, data):
    pledge = Pledge(
        receipt=f"PL-{uuid.uuid4().hex[:8]}",
        channel="web",
        channel_message_id=uuid.uuid4().hex,
        locale=locale,
        consent_version="test",
        organisation="Org",
        title="Title",
        text=body,
    )
    with Session(engine) as session:
        session.add(pledge)
        session.commit()
        try:
            typed = body.split() or [""]
            word = data.draw(st.sampled_from(typed))
            assert pledge.receipt in found(engine, word), (word, query_words(word))
        finally:
            session.delete(pledge)
            session.commit()


# A count of matches that any store finds by walking the listing's order.
WALKED = 1_000_000


def _listing_plan(engine, query: str, total: int) -> str:  # type: ignore[no-untyped-def]
    """PostgreSQL's plan of the listing query the Hub sends for ``query`` and ``total`` matches."""
    from sqlalchemy import event

    from intake_api.hub import catalog
    from intake_api.hub.catalog import Filters

    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        catalog.listing(engine, Pledge, Filters(q=query), total=total)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = next((s, p) for s, p in sent if "ORDER BY" in s)
    with engine.connect() as connection:
        # A handful of rows: a scan and a sort are cheaper than any index on this store.
        connection.execute(text("SET enable_seqscan = off"))
        connection.execute(text("SET enable_bitmapscan = off"))
        return "\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())


@pytest.mark.postgres
def test_a_rare_word_is_sorted_from_its_matches_and_a_common_one_found_by_walking(engine, pledges):
    """With few matches PostgreSQL would walk the order's index testing every row's stored
    vector; the listing makes it take the matches (from the GIN index on a large store) and
    sort them. With many, walking the order's index finds a page after a few rows."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan")
    few = _listing_plan(engine, "migrant", total=3)  # no index gives this order: sorted
    assert "Sort Key: ((published_at + " in few and "Index Scan Backward" not in few, few
    many = _listing_plan(engine, "migrant", total=WALKED)
    assert "Index Scan Backward using ix_pledge_published_at" in many, many


def test_a_common_word_is_listed_the_same_whichever_way_the_store_walks(engine, service):
    """A listing read through the order's index (many matches) shows the same rows, in the
    same order, page by page, as one read through the matches' keys."""
    from intake_api.hub import catalog
    from intake_api.hub.catalog import Filters

    for n in range(45):
        body = "Shelter for families." if n % 3 else "Shelter and schooling for families."
        receipt = _submit(service, "en", f"Shelter {n}", body, 100 + n)
        with Session(engine) as session:
            shown = session.exec(select(Pledge).where(Pledge.receipt == receipt)).one()
            shown.published_at = datetime(2026, 1, 1 + n % 28, n % 24, tzinfo=UTC)
            session.add(shown)
            session.commit()
    for query in ("shelter", "schooling", "families shelter", "absentword"):
        for page in (1, 2, 3):
            filters = Filters(q=query, page=page)
            by_keys = catalog.listing(engine, Pledge, filters, total=None)
            walked = catalog.listing(engine, Pledge, filters, total=WALKED)
            if by_keys.number == page:  # a page past the last is shown as the last one
                assert walked.items == by_keys.items, (query, page)
            else:
                assert walked.items == []
