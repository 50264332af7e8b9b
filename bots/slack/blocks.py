"""Block Kit renderings: the capture modal (from the questionnaire), moderation
messages, App Home and digests. Pure functions from data to JSON-ready dicts.

Every value written into a mrkdwn field goes through ``slack_mrkdwn`` (the Slack
encoding of ``policies.encoding``) and every mrkdwn field is ``verbatim``: no text
that did not come from this code can mention, link or notify. App Home and digests
name flagged and urgent inputs by receipt and category (``Pointer``), never by their words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_datetime

from intake_api.digests import Digest
from intake_api.i18n import (
    gettext,
    isolate,
    join_list,
    labelled,
    language_label,
    ngettext,
    pgettext,
)
from intake_api.item_posts import ItemView
from intake_api.moderation import InputView
from intake_api.notices import SAFEGUARDING_LABELS
from intake_api.participation import EVERY, category_label
from intake_api.policies.disclosure import (
    HIDDEN_NOTE,
    SMALL_NOTE,
    Reason,
    Shown,
    footnote,
    marker,
)
from intake_api.policies.encoding import slack_mrkdwn as esc
from intake_api.policies.publication import TEXT_NOT_SHOWN, Pointer
from intake_api.questionnaire import (
    STAFF_VARIANTS,
    TEXT_MAX,
    Kind,
    Part,
    Question,
    Questionnaire,
    help_text,
)
from intake_api.review_names import review_acronym, review_title, venue
from intake_api.stats import HOME_GROUPS, ReviewStats
from models.markers import Plural
from models.reference import (
    CHANNELS,
    MEETING_FORMATS,
    N_,
    NC_,
    OBJECTIVES,
    STAKEHOLDER_GROUPS,
    THEMES,
    country_name,
)

# pybabel cannot read calls inside f-strings: the labels used only there are marked here.
_MARKUP_LABELS = (
    N_("Today"),
    N_("This week"),
    N_("Total"),
    N_("By language"),
    N_("By age group"),
)

CAPTURE_CALLBACK = "gcm_capture"
# The capture modal's profile part (``Part.PROFILE``), after the input and its consent.
PROFILE_HEADER = N_("About the person (optional)")
PROFILE_BLOCK = "part_profile"
HEADER_LIMIT = 150  # Block Kit's limit for a header's text
TAG_CALLBACK = "gcm_tag_objectives"
OPTION_TEXT_LIMIT = 75  # Block Kit's limit for an option's text
INPUT_LIMIT = 3000  # Block Kit's limit for a plain-text input
SECTION_LIMIT = 2900


def _plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn field of markup built here, its values escaped with ``esc``; verbatim, so
    Slack adds no links or mentions of its own."""
    return {"type": "mrkdwn", "text": text[:SECTION_LIMIT], "verbatim": True}


def _option(value: str, label: str, description: str = "") -> dict[str, Any]:
    option = {"text": _plain(label, OPTION_TEXT_LIMIT), "value": value}
    return (
        option | {"description": _plain(description, OPTION_TEXT_LIMIT)} if description else option
    )


# The capture modal -------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureForm:
    """A capture modal: the staff questionnaire it asks and what it is called and says."""

    callback_id: str
    questionnaire: Questionnaire
    title: str  # msgid (a ``Contextual`` one too); Block Kit shows 24 characters
    saved: str  # msgid of the confirmation, with %(receipt)s
    saved_before: str  # msgid: the modal was stored already under other answers

    @property
    def kind(self) -> str:
        """The service's name of what is submitted."""
        return self.questionnaire.name

    @property
    def first_text(self) -> str:
        """The block where a refusal of the whole form is shown: its first free text."""
        return next(q.key for q in self.questionnaire.questions if q.kind is Kind.TEXT)


INPUT_CAPTURE = CaptureForm(
    CAPTURE_CALLBACK,
    STAFF_VARIANTS["input"],
    N_("GCM input"),
    N_("Input saved. Receipt code: %(receipt)s"),
    N_("This form was saved already. Please close it and open a new one to record another input."),
)
PLEDGE_CAPTURE = CaptureForm(
    "gcm_capture_pledge",
    STAFF_VARIANTS["pledge"],
    NC_("one item", "Pledge"),
    N_("Pledge saved. Receipt code: %(receipt)s"),
    N_("This form was saved already. Please close it and open a new one to record another pledge."),
)
PRACTICE_CAPTURE = CaptureForm(
    "gcm_capture_practice",
    STAFF_VARIANTS["practice"],
    NC_("one item", "Practice"),
    N_("Practice saved. Receipt code: %(receipt)s"),
    N_(
        "This form was saved already. Please close it and open a new one to record another practice."
    ),
)
CAPTURE_FORMS = (INPUT_CAPTURE, PLEDGE_CAPTURE, PRACTICE_CAPTURE)


def capture_modal(
    locale: str,
    *,
    metadata: dict[str, Any],
    reviews: list[str],
    prefill: dict[str, Any] | None = None,
    form: CaptureForm = INPUT_CAPTURE,
    any_review: bool = False,
) -> dict[str, Any]:
    """The staff capture form: every question of the form's questionnaire, one input block
    each, its core part first, then a header and the optional profile part (as on the web
    form). Staff read the official labels, not the contributors' plain ones.

    The review question offers only ``reviews`` (those the staff member may record for),
    preselected when there is one; it may be left empty only where the questionnaire allows
    it and ``any_review`` (an administrator records with no review). The submission is
    authorized again on what comes back.
    """
    values = ({"review": reviews[0]} if len(reviews) == 1 else {}) | (prefill or {})
    blocks: list[dict[str, Any]] = []
    for part in Part:
        questions = form.questionnaire.part(part)
        if questions and part is Part.PROFILE:
            blocks.append(
                {
                    "type": "header",
                    "block_id": PROFILE_BLOCK,
                    "text": _plain(gettext(locale, PROFILE_HEADER), HEADER_LIMIT),
                }
            )
        blocks += [
            _input_block(q, locale, values.get(q.key), reviews, any_review=any_review)
            for q in questions
        ]
    return {
        "type": "modal",
        "callback_id": form.callback_id,
        "private_metadata": json.dumps(metadata),
        "title": _plain(gettext(locale, form.title), 24),
        "submit": _plain(gettext(locale, "Save"), 24),
        "close": _plain(gettext(locale, "Cancel"), 24),
        "blocks": blocks,
    }


def _input_block(
    question: Question, locale: str, value: Any, reviews: list[str], *, any_review: bool
) -> dict[str, Any]:
    optional = not question.required and (question.key != "review" or any_review)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": question.key,
        "optional": optional,
        "label": _plain(gettext(locale, question.label), 2000),
        "element": _element(
            question, locale, value, only=reviews if question.key == "review" else None
        ),
    }
    hint = help_text(question, locale)
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _element(
    question: Question, locale: str, value: Any, *, only: list[str] | None = None
) -> dict[str, Any]:
    key = question.key
    element: dict[str, Any]
    if question.kind is Kind.SINGLE:
        options = [
            _option(v, label)
            for v, label, _ in question.options(locale)
            if only is None or v in only
        ]
        element = {"type": "static_select", "action_id": key, "options": options}
        if value:
            element["initial_option"] = next(o for o in options if o["value"] == value)
        return element
    if question.kind is Kind.MULTIPLE:
        options = [_option(v, f"{v}. {label}") for v, label, _ in question.options(locale)]
        element = {"type": "multi_static_select", "action_id": key, "options": options}
        if question.max_choices:
            element["max_selected_items"] = question.max_choices
        return element
    if question.kind in (Kind.COUNTRY, Kind.COUNTRIES):
        # 249 countries exceed a static select's 100 options: typed and looked up instead.
        many = question.kind is Kind.COUNTRIES
        return {
            "type": "multi_external_select" if many else "external_select",
            "action_id": key,
            "min_query_length": 1,
            "placeholder": _plain(gettext(locale, "Type a country name")),
        }
    if question.kind is Kind.TEXT:
        element = {
            "type": "plain_text_input",
            "action_id": key,
            "multiline": True,
            "max_length": min(question.max_length or TEXT_MAX, INPUT_LIMIT),
        }
        if value:
            element["initial_value"] = str(value)[:INPUT_LIMIT]
        return element
    if question.kind is Kind.EMAIL:
        return {"type": "email_text_input", "action_id": key}
    if question.kind is Kind.URL:
        return {"type": "url_text_input", "action_id": key}
    if question.kind in (Kind.CONSENT, Kind.BOOLEAN):
        return {
            "type": "checkboxes",
            "action_id": key,
            # Ticked: the consent is given (zh 同意, not the answer 是).
            "options": [_option("yes", pgettext(locale, "checkbox", "Yes"))],
        }
    element = {"type": "plain_text_input", "action_id": key}
    if question.max_length:
        element["max_length"] = min(question.max_length, INPUT_LIMIT)
    return element


def answers_from_view(view: dict[str, Any]) -> dict[str, Any]:
    """The raw answers of a submitted modal, keyed like the questionnaire."""
    answers: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "external_select"):
                answers[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind in ("multi_static_select", "multi_external_select"):
                answers[block_id] = [o["value"] for o in element.get("selected_options") or []]
            elif kind == "checkboxes":
                answers[block_id] = bool(element.get("selected_options"))
            else:
                answers[block_id] = element.get("value")
    return answers


def country_options(codes: list[str], locale: str) -> list[dict[str, Any]]:
    return [_option(code, country_name(code, locale)) for code in codes]


OBJECTIVE_SHORT = {o.number: o.short for o in OBJECTIVES}


def tag_modal(view: InputView, locale: str) -> dict[str, Any]:
    options = [
        _option(str(o.number), f"{o.number}. {gettext(locale, o.short)}") for o in OBJECTIVES
    ]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": "objectives",
        "options": options,
    }
    chosen = [o for o in options if int(o["value"]) in view.objectives]
    if chosen:
        element["initial_options"] = chosen
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "objectives",
            "element": element,
            "label": _plain(gettext(locale, "GCM objectives")),
        }
    ]
    if view.suggestions:
        blocks.append(
            {
                "type": "input",
                "block_id": "suggested",
                "optional": True,
                "label": _plain(gettext(locale, "Suggested from the text: tick those that apply")),
                "element": {
                    "type": "checkboxes",
                    "action_id": "suggested",
                    "options": [
                        _option(
                            str(n),
                            f"{n}. {gettext(locale, OBJECTIVE_SHORT[n])}",
                            join_list(locale, triggers)[:75],
                        )
                        for n, _score, triggers in view.suggestions
                    ],
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": TAG_CALLBACK,
        "private_metadata": view.receipt,
        "title": _plain(gettext(locale, "Tag objectives"), 24),
        "submit": _plain(gettext(locale, "Save"), 24),
        "blocks": blocks,
    }


# Moderation --------------------------------------------------------------------------

SUGGESTED_OBJECTIVES = N_("Suggested objectives")
SUGGESTED_THEME = N_("Suggested theme")
# The theme control on an input's message: confirm the text analysis's suggestion in one tap,
# or choose any theme (contributors may skip the theme; ``Moderation.set_theme``).
THEME_CONFIRM = ("mod_theme_confirm", N_("Confirm suggested theme"))
THEME_SELECT = ("mod_theme", N_("Set the theme"))
MODERATION_BUTTONS = (
    ("mod_reviewed", N_("Reviewed"), None),
    ("mod_flag", N_("Flag"), "danger"),
    ("mod_include", N_("Include in report"), "primary"),
    ("mod_tag", N_("Tag objectives"), None),
)


def moderation_message(
    view: InputView, locale: str, *, last_action: str | None = None
) -> list[dict[str, Any]]:
    """An input as posted to its review's moderation channel, with the moderation buttons."""
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731
    pairs = [
        (t("Receipt"), f"`{esc(view.receipt)}`"),
        (t("Regional review"), esc(review_acronym(locale, view.review_slug))),
        (t("Stakeholder group"), esc(category_label(locale, "group", view.stakeholder_group))),
        (
            t("Channel"),
            esc(
                f"{t(CHANNELS.get(view.channel, view.channel))} · "
                f"{language_label(view.locale, locale)}"
            ),
        ),
    ]
    if view.country:
        pairs.append((t("Country"), esc(country_name(view.country, locale))))
    if view.theme:
        pairs.append((t("Discussion theme"), esc(t(THEMES[view.theme]))))
    if view.objectives:
        pairs.append((t("GCM objectives"), join_list(locale, view.objectives)))
    if view.suggested_theme in THEMES:
        pairs.append((t(SUGGESTED_THEME), esc(t(THEMES[view.suggested_theme]))))
    if view.suggestions:
        pairs.append(
            (t(SUGGESTED_OBJECTIVES), join_list(locale, (n for n, _s, _t in view.suggestions)))
        )
    facts = [labelled(locale, f"*{esc(label)}*", value) for label, value in pairs]
    status = labelled(
        locale, f"*{esc(t('Status'))}*", esc(t(STATUS_LABELS.get(view.status, view.status)))
    )
    if last_action:
        status += f" · {last_action}"  # a mention the listener builds from Slack's own user id
    buttons = [
        {"type": "button", "action_id": action, "value": view.receipt, "text": _plain(t(label))}
        | ({"style": style} if style else {})
        for action, label, style in MODERATION_BUTTONS
    ] + _theme_controls(view, t)
    urgent = []
    if view.urgent_category:
        label = t(SAFEGUARDING_LABELS.get(view.urgent_category, view.urgent_category))
        urgent = [
            {
                "type": "header",
                "text": _plain(
                    t("Urgent: possible protection risk (%(category)s)", category=label), 150
                ),
            }
        ]
    return [
        *urgent,
        {"type": "section", "fields": [_mrkdwn(f) for f in facts[:10]]},
        {
            "type": "section",
            "text": _mrkdwn("\n".join("> " + esc(line) for line in view.text.splitlines() or [""])),
        },
        {"type": "context", "elements": [_mrkdwn(status)]},
        {"type": "actions", "block_id": f"moderate:{view.receipt}", "elements": buttons},
    ]


def _theme_controls(view: InputView, t: Any) -> list[dict[str, Any]]:
    """A button confirming the suggested theme (while none is set), and a menu of every theme."""
    options = {code: _option(code, t(label)) for code, label in THEMES.items()}
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": THEME_SELECT[0],
        "placeholder": _plain(t(THEME_SELECT[1]), 150),
        "options": list(options.values()),
    }
    if view.theme in options:
        select["initial_option"] = options[view.theme]
    controls = [select]
    if view.theme is None and view.suggested_theme in THEMES:
        confirm = {
            "type": "button",
            "action_id": THEME_CONFIRM[0],
            "value": view.receipt,
            "text": _plain(t(THEME_CONFIRM[1]), 75),
        }
        controls.insert(0, confirm)
    return controls


STATUS_LABELS = {
    "new": N_("New"),
    "reviewed": N_("Reviewed"),
    "flagged": N_("Flagged"),
    "included": N_("Included in report"),
}


# Pledges and practices: their moderation post, with Publish and Unpublish -------------------

ITEM_KINDS = {
    "pledge": NC_("kind of record", "Pledge"),
    "practice": NC_("kind of record", "Practice"),
}
PUBLISH = ("item_publish", N_("Publish"))
UNPUBLISH = ("item_unpublish", N_("Unpublish"))
CONSENT_TO_PUBLISH = N_("Author agreed to publication")
ON_THE_HUB = N_("On the Migration Network Hub")
PUBLISHED = N_("Published")
NOT_PUBLISHED = N_("Not published")
ITEM_TITLE = N_("Title")
COUNTRIES = N_("Countries")


def item_message(
    view: ItemView, locale: str, *, last_action: str | None = None
) -> list[dict[str, Any]]:
    """A pledge or practice as posted to its review's moderation channel.

    "Publish" is offered only when its author agreed to publication and it is not public
    yet, "Unpublish" while it is public; the service decides again when pressed.
    """
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731
    pairs = [
        (t("Receipt"), f"`{esc(view.receipt)}`"),
        (t(ITEM_TITLE), esc(view.title)),
    ]
    if view.organisation:
        pairs.append((t("Organisation"), esc(view.organisation)))
    if view.review_slug:
        pairs.append((t("Regional review"), esc(review_acronym(locale, view.review_slug))))
    if view.kind == "pledge":
        pairs.append(
            (t("Stakeholder group"), esc(category_label(locale, "group", view.stakeholder_group)))
        )
    if view.objectives:
        pairs.append((t("GCM objectives"), join_list(locale, view.objectives)))
    if view.countries:
        label = t("Country") if view.kind == "pledge" else t(COUNTRIES)
        names = join_list(locale, (country_name(code, locale) for code in view.countries))
        pairs.append((label, esc(names)))
    agreed = (
        pgettext(locale, "answer shown", "Yes")
        if view.consent_publish
        else pgettext(locale, "answer shown", "No")
    )
    pairs.append((t(CONSENT_TO_PUBLISH), esc(agreed)))
    facts = [labelled(locale, f"*{esc(label)}*", value) for label, value in pairs]
    state = labelled(
        locale, f"*{esc(t(ON_THE_HUB))}*", esc(t(PUBLISHED if view.public else NOT_PUBLISHED))
    )
    if last_action:
        state += f" · {last_action}"  # a mention the listener builds from Slack's own user id
    buttons = []
    if view.public:
        buttons.append(_item_button(UNPUBLISH, view.receipt, t, style="danger"))
    elif view.consent_publish:
        buttons.append(_item_button(PUBLISH, view.receipt, t, style="primary"))
    return [
        {"type": "header", "text": _plain(t(ITEM_KINDS[view.kind]), HEADER_LIMIT)},
        {"type": "section", "fields": [_mrkdwn(f) for f in facts[:10]]},
        {
            "type": "section",
            "text": _mrkdwn("\n".join("> " + esc(line) for line in view.text.splitlines() or [""])),
        },
        {"type": "context", "elements": [_mrkdwn(state)]},
        *(
            [{"type": "actions", "block_id": f"publish:{view.receipt}", "elements": buttons}]
            if buttons
            else []
        ),
    ]


def _item_button(button: tuple[str, str], receipt: str, t: Any, *, style: str) -> dict[str, Any]:
    action_id, label = button
    return {
        "type": "button",
        "action_id": action_id,
        "value": receipt,
        "text": _plain(t(label), 75),
        "style": style,
    }


# App Home ------------------------------------------------------------------------------


# Shown to administrators on the App Home while outbound messages were given up on.


def home_view(stats: list[ReviewStats], locale: str, *, undelivered: int = 0) -> dict[str, Any]:
    """Each review's counts as ``stats_disclosure`` shows them (the API shows the same).

    ``undelivered``: outbound messages given up on lately (for administrators; 0 shows nothing).
    """
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731
    shown = lambda count: isolate(locale, count.in_language(locale))  # noqa: E731 -- "<5" stays "<5" in Arabic
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": _plain(t("Regional Reviews of the Global Compact for Migration"), 150),
        }
    ]
    notes: set[Plural] = set()
    for review in stats:
        if review.all_small():
            groups = labelled(
                locale, t(EVERY["group"]), isolate(locale, marker(locale, Reason.SMALL_BREAKDOWN))
            )
        else:
            groups = (
                join_list(
                    locale,
                    (
                        labelled(locale, category_label(locale, "group", g), shown(n))
                        for g, n in review.by_group(HOME_GROUPS)
                    ),
                )
                or "—"
            )
        ages = (
            labelled(
                locale, t(EVERY["age"]), isolate(locale, marker(locale, Reason.SMALL_BREAKDOWN))
            )
            if review.all_small("age")
            else join_list(
                locale,
                (
                    labelled(locale, category_label(locale, "age", a), shown(n))
                    for a, n in review.by_age(HOME_GROUPS)
                ),
            )
            or "—"
        )
        notes.update(review.counts.footnotes())
        consultation = (
            f"{format_date(review.consultation_on, 'long', locale=locale)} · "
            f"{t(MEETING_FORMATS[review.meeting_format])} · {venue(locale, review.slug)}"
        )
        blocks += [
            {"type": "divider"},
            {
                "type": "section",
                "text": _mrkdwn(
                    f"*{esc(review_title(locale, review.slug))}*\n"
                    + labelled(locale, esc(t("Multi-stakeholder consultation")), esc(consultation))
                ),
            },
            {
                "type": "section",
                "fields": [
                    _mrkdwn(f"*{esc(t('Today'))}*\n{esc(shown(review.counts['today']))}"),
                    _mrkdwn(f"*{esc(t('This week'))}*\n{esc(shown(review.counts['week']))}"),
                    _mrkdwn(f"*{esc(t('Total'))}*\n{esc(shown(review.counts['total']))}"),
                    _mrkdwn(f"*{esc(t('By stakeholder group'))}*\n{esc(groups)}"),
                    _mrkdwn(f"*{esc(t('By age group'))}*\n{esc(ages)}"),
                ],
            },
        ]
        if review.flagged:
            lines = "\n".join(_pointer_line(p, t) for p in review.flagged)
            blocks.append(
                {"type": "section", "text": _mrkdwn(f"*{esc(t('Flagged inputs'))}*\n{lines}")}
            )
    blocks = blocks[:99]
    if notes:  # in the policy's order: "<5" first
        text = [footnote(locale, note) for note in (SMALL_NOTE, HIDDEN_NOTE) if note in notes]
        blocks.append({"type": "context", "elements": [_mrkdwn(esc(line)) for line in text]})
    if undelivered:
        note = ngettext(
            locale,
            "%(num)d message could not be sent in the last 7 days. An administrator can list it with “gcm-intake failures”.",
            "%(num)d messages could not be sent in the last 7 days. An administrator can list them with “gcm-intake failures”.",
            undelivered,
        )
        blocks.append({"type": "context", "elements": [_mrkdwn(esc(note))]})
    return {"type": "home", "blocks": blocks}


def _pointer_line(pointer: Pointer, t: Any) -> str:
    """An input named without its words: receipt, then its urgent category or its theme."""
    if pointer.urgent_category:
        label = (
            f"*{esc(t(SAFEGUARDING_LABELS.get(pointer.urgent_category, pointer.urgent_category)))}*"
        )
    else:
        label = esc(t(THEMES[pointer.theme])) if pointer.theme in THEMES else ""
    return f"• `{esc(pointer.receipt)}` {label}".rstrip()


# Digests -------------------------------------------------------------------------------


def _urgent_blocks(digest: Digest, t: Any) -> list[dict[str, Any]]:
    if not digest.urgent:
        return []
    lines = "\n".join(_pointer_line(p, t) for p in digest.urgent)
    return [
        {
            "type": "section",
            "text": _mrkdwn(
                f":rotating_light: *{esc(t('Urgent: possible protection risks, please read first'))}*\n{lines}"
            ),
        }
    ]


def digest_blocks(digest: Digest, locale: str) -> list[dict[str, Any]]:
    """A digest as Slack blocks; the scheduled digests post the same. Every count is the
    digest's disclosed one (``Digest.counts``), with the footnotes its symbols need."""
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731

    def counted(dimension: str, label) -> str:  # type: ignore[no-untyped-def]
        if dimension in EVERY and digest.all_small(dimension):
            return "• " + esc(
                labelled(
                    locale,
                    t(EVERY[dimension]),
                    isolate(locale, marker(locale, Reason.SMALL_BREAKDOWN)),
                )
            )
        return (
            "\n".join(
                "• " + esc(labelled(locale, label(key), isolate(locale, shown.in_language(locale))))
                for key, shown in digest.listed(dimension)
            )
            or "—"
        )

    def section(title: str, body: str) -> dict[str, Any]:
        return {"type": "section", "text": _mrkdwn(f"*{esc(title)}*\n{body}")}

    def n(key: str) -> str:
        return esc(isolate(locale, digest.counts[key].in_language(locale)))

    def fact(label: str, value: str) -> str:
        return labelled(locale, f"*{esc(label)}*", value)

    period = (
        f"{format_datetime(digest.since, 'short', locale=locale)} – "
        f"{format_datetime(digest.until, 'short', locale=locale)}"
    )
    objectives = {o.number: o.short for o in OBJECTIVES}
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": _plain(digest_title(digest.review_slug, locale), 150),
        },
        {"type": "context", "elements": [_mrkdwn(esc(period))]},
        *_urgent_blocks(digest, t),
        {"type": "section", "text": _mrkdwn(fact(t("New inputs"), n("inputs")))},
        {
            "type": "section",
            "fields": [
                _mrkdwn(
                    f"*{esc(t('By stakeholder group'))}*\n"
                    + counted("group", lambda g: category_label(locale, "group", g))
                ),
                _mrkdwn(
                    f"*{esc(t('By age group'))}*\n"
                    + counted("age", lambda a: category_label(locale, "age", a))
                ),
                _mrkdwn(
                    f"*{esc(t('By channel'))}*\n"
                    + counted("channel", lambda c: category_label(locale, "channel", c))
                ),
                _mrkdwn(
                    f"*{esc(t('By language'))}*\n"
                    + counted("language", lambda c: language_label(c, locale))
                ),
                _mrkdwn(
                    f"*{esc(t('By discussion theme'))}*\n"
                    + counted("theme", lambda th: category_label(locale, "theme", th))
                ),
            ],
        },
        section(t("By GCM objective"), counted("objective", lambda o: f"{o}. {t(objectives[o])}")),
        {
            "type": "section",
            "text": _mrkdwn(
                f"{fact(t('Pledges'), n('pledges'))} · {fact(t('Practices'), n('practices'))} · "
                f"{fact(t('Registrations'), n('registrations'))} "
                f"({esc(t('travel support requested: %(count)s', count=isolate(locale, digest.counts['travel'].in_language(locale))))})"
            ),
        },
    ]
    if digest.flagged:
        blocks.append(
            section(t("Flagged inputs"), "\n".join(_pointer_line(p, t) for p in digest.flagged))
        )
    if digest.campaigns:
        lines = "\n".join(
            f"• {esc(w) if w is not None else '_' + esc(t(TEXT_NOT_SHOWN)) + '_'} "
            f"({esc(inputs_count(shown, locale))})"
            for w, shown in digest.repeated()
        )
        blocks.append(section(t("Repeated texts and campaigns"), lines))
    if digest.key_phrases:
        lines = "\n".join(
            "• " + esc(labelled(locale, language_label(c, locale), join_list(locale, p)))
            for c, p in digest.key_phrases.items()
        )
        blocks.append(section(t("Key phrases"), lines))
    if digest.quotes:
        blocks.append(
            section(t("In their words"), "\n".join(f"> {esc(w)}" for _r, w in digest.quotes))
        )
    if digest.gaps:
        lines = "\n".join(
            "• " + esc(t(g.message, group=t(STAKEHOLDER_GROUPS[g.group]))) for g in digest.gaps
        )
        blocks.append(section(t("Participation gaps"), lines))
    notes = digest.footnotes(locale)
    if notes:
        blocks.append({"type": "context", "elements": [_mrkdwn(esc(note)) for note in notes]})
    return blocks


def digest_title(slug: str, locale: str) -> str:
    """ "Digest: ESCWA", the commission named in the reader's language (الإسكوا, CESPAO)."""
    return gettext(locale, "Digest: %(review)s", review=review_acronym(locale, slug))


def inputs_count(count: Shown, locale: str) -> str:
    """ "12 inputs", "<5 inputs": a hidden count takes the plural form of the threshold it
    stands for ("fewer than 5"), and "<5" stays "<5" in right-to-left text."""
    return ngettext(
        locale,
        "%(count)s input",
        "%(count)s inputs",
        count.counts_as,
        count=isolate(locale, count.in_language(locale)),
    )
