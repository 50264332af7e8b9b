"""Block Kit renderings: the capture modal (from the questionnaire), moderation
messages, App Home and digests. Pure functions from data to JSON-ready dicts.

Every value written into a mrkdwn field goes through ``slack_mrkdwn`` (the Slack
encoding of ``policies.encoding``) and every mrkdwn field is ``verbatim``: no text
that did not come from this code can mention, link or notify. App Home and digests
name flagged and urgent inputs by receipt and category (``Pointer``), never by their words.
"""

from __future__ import annotations

import json
from typing import Any

from babel.dates import format_date, format_datetime

from intake_api.digests import Digest
from intake_api.i18n import gettext, language_label, ngettext
from intake_api.moderation import InputView
from intake_api.notices import SAFEGUARDING_LABELS
from intake_api.participation import EVERY
from intake_api.policies.disclosure import HIDDEN_NOTE, HIDDEN_SYMBOL, SMALL_COUNT, SMALL_NOTE
from intake_api.policies.encoding import slack_mrkdwn as esc
from intake_api.policies.publication import TEXT_NOT_SHOWN, Pointer
from intake_api.questionnaire import STAFF_INPUT, TEXT_MAX, Kind, Question, help_text
from intake_api.stats import HOME_GROUPS, ReviewStats
from models.reference import (
    CHANNELS,
    MEETING_FORMATS,
    N_,
    OBJECTIVES,
    STAKEHOLDER_GROUPS,
    THEMES,
    country_name,
)

# pybabel cannot read calls inside f-strings: the labels used only there are marked here.
_MARKUP_LABELS = (N_("Today"), N_("This week"), N_("Total"), N_("By language"))

CAPTURE_CALLBACK = "gcm_capture"
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


def capture_modal(
    locale: str,
    *,
    metadata: dict[str, Any],
    reviews: list[str],
    prefill: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The staff capture form: every question of the questionnaire, one input block each.

    The review question offers only ``reviews`` (those the staff member may record for),
    preselected when there is one; the submission is authorized again on what comes back.
    """
    values = ({"review": reviews[0]} if len(reviews) == 1 else {}) | (prefill or {})
    return {
        "type": "modal",
        "callback_id": CAPTURE_CALLBACK,
        "private_metadata": json.dumps(metadata),
        "title": _plain(gettext(locale, "GCM input"), 24),
        "submit": _plain(gettext(locale, "Save"), 24),
        "close": _plain(gettext(locale, "Cancel"), 24),
        "blocks": [
            _input_block(q, locale, values.get(q.key), reviews) for q in STAFF_INPUT.questions
        ],
    }


def _input_block(question: Question, locale: str, value: Any, reviews: list[str]) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": question.key,
        "optional": not question.required,
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
    if question.kind is Kind.COUNTRY:
        # 249 countries exceed a static select's 100 options: typed and looked up instead.
        return {
            "type": "external_select",
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
    if question.kind in (Kind.CONSENT, Kind.BOOLEAN):
        return {
            "type": "checkboxes",
            "action_id": key,
            "options": [_option("yes", gettext(locale, "Yes"))],
        }
    return {"type": "plain_text_input", "action_id": key}


def answers_from_view(view: dict[str, Any]) -> dict[str, Any]:
    """The raw answers of a submitted modal, keyed like the questionnaire."""
    answers: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "external_select"):
                answers[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "multi_static_select":
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
                            ", ".join(triggers)[:75],
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
        (t("Regional review"), esc(view.review_slug.upper())),
        (
            t("Stakeholder group"),
            esc(t(STAKEHOLDER_GROUPS.get(view.stakeholder_group or "", "Other"))),
        ),
        (t("Channel"), esc(f"{t(CHANNELS.get(view.channel, view.channel))} · {view.locale}")),
    ]
    if view.country:
        pairs.append((t("Country"), esc(country_name(view.country, locale))))
    if view.theme:
        pairs.append((t("Discussion theme"), esc(t(THEMES[view.theme]))))
    if view.objectives:
        pairs.append((t("GCM objectives"), ", ".join(map(str, view.objectives))))
    if view.suggestions:
        pairs.append((t(SUGGESTED_OBJECTIVES), ", ".join(str(n) for n, _s, _t in view.suggestions)))
    facts = [f"*{esc(label)}:* {value}" for label, value in pairs]
    status = f"*{esc(t('Status'))}:* {esc(t(STATUS_LABELS.get(view.status, view.status)))}"
    if last_action:
        status += f" · {last_action}"  # a mention the listener builds from Slack's own user id
    buttons = [
        {"type": "button", "action_id": action, "value": view.receipt, "text": _plain(t(label))}
        | ({"style": style} if style else {})
        for action, label, style in MODERATION_BUTTONS
    ]
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


STATUS_LABELS = {
    "new": N_("New"),
    "reviewed": N_("Reviewed"),
    "flagged": N_("Flagged"),
    "included": N_("Included in report"),
}


# App Home ------------------------------------------------------------------------------


# Shown to administrators on the App Home while outbound messages were given up on.


def home_view(stats: list[ReviewStats], locale: str, *, undelivered: int = 0) -> dict[str, Any]:
    """Each review's counts as ``stats_disclosure`` shows them (the API shows the same).

    ``undelivered``: outbound messages given up on lately (for administrators; 0 shows nothing).
    """
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": _plain(t("Regional Reviews of the Global Compact for Migration"), 150),
        }
    ]
    notes: set[str] = set()
    for review in stats:
        if review.all_small():
            groups = f"{t(EVERY['group'])}: {HIDDEN_SYMBOL}"
        else:
            groups = (
                ", ".join(
                    f"{_group_label(g, t)}: {n.text}" for g, n in review.by_group(HOME_GROUPS)
                )
                or "—"
            )
        notes.update(review.counts.footnotes())
        consultation = (
            f"{format_date(review.consultation_on, 'long', locale=locale)} · "
            f"{t(MEETING_FORMATS[review.meeting_format])} · {review.venue}"
        )
        blocks += [
            {"type": "divider"},
            {
                "type": "section",
                "text": _mrkdwn(
                    f"*{esc(t(review.region))}* ({esc(review.slug.upper())})\n"
                    f"{esc(t('Multi-stakeholder consultation'))}: {esc(consultation)}"
                ),
            },
            {
                "type": "section",
                "fields": [
                    _mrkdwn(f"*{esc(t('Today'))}*\n{esc(review.counts['today'].text)}"),
                    _mrkdwn(f"*{esc(t('This week'))}*\n{esc(review.counts['week'].text)}"),
                    _mrkdwn(f"*{esc(t('Total'))}*\n{esc(review.counts['total'].text)}"),
                    _mrkdwn(f"*{esc(t('By stakeholder group'))}*\n{esc(groups)}"),
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
        text = [
            t(note, small=SMALL_COUNT, symbol=HIDDEN_SYMBOL)
            for note in (SMALL_NOTE, HIDDEN_NOTE)
            if note in notes
        ]
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


def _group_label(group: str, t: Any) -> str:
    return t(STAKEHOLDER_GROUPS[group]) if group in STAKEHOLDER_GROUPS else t("Not given")


def digest_blocks(digest: Digest, locale: str) -> list[dict[str, Any]]:
    """A digest as Slack blocks; the scheduled digests post the same. Every count is the
    digest's disclosed one (``Digest.counts``), with the footnotes its symbols need."""
    t = lambda message, **kw: gettext(locale, message, **kw)  # noqa: E731

    def counted(dimension: str, label) -> str:  # type: ignore[no-untyped-def]
        if dimension in EVERY and digest.all_small(dimension):
            return f"• {esc(t(EVERY[dimension]))}: {esc(HIDDEN_SYMBOL)}"
        return (
            "\n".join(
                f"• {esc(label(key))}: {esc(shown.text)}" for key, shown in digest.listed(dimension)
            )
            or "—"
        )

    def section(title: str, body: str) -> dict[str, Any]:
        return {"type": "section", "text": _mrkdwn(f"*{esc(title)}*\n{body}")}

    def n(key: str) -> str:
        return esc(digest.counts[key].text)

    period = (
        f"{format_datetime(digest.since, 'short', locale=locale)} – "
        f"{format_datetime(digest.until, 'short', locale=locale)}"
    )
    objectives = {o.number: o.short for o in OBJECTIVES}
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": _plain(t("Digest: %(review)s", review=digest.review_slug.upper()), 150),
        },
        {"type": "context", "elements": [_mrkdwn(esc(period))]},
        *_urgent_blocks(digest, t),
        {"type": "section", "text": _mrkdwn(f"*{esc(t('New inputs'))}:* {n('inputs')}")},
        {
            "type": "section",
            "fields": [
                _mrkdwn(
                    f"*{esc(t('By stakeholder group'))}*\n"
                    + counted("group", lambda g: _group_label(g, t))
                ),
                _mrkdwn(
                    f"*{esc(t('By channel'))}*\n"
                    + counted("channel", lambda c: t(CHANNELS.get(c, "Not given")))
                ),
                _mrkdwn(
                    f"*{esc(t('By language'))}*\n"
                    + counted("language", lambda c: language_label(c, locale))
                ),
                _mrkdwn(
                    f"*{esc(t('By discussion theme'))}*\n"
                    + counted("theme", lambda th: t(THEMES.get(th, "Not given")))
                ),
            ],
        },
        section(t("By GCM objective"), counted("objective", lambda o: f"{o}. {t(objectives[o])}")),
        {
            "type": "section",
            "text": _mrkdwn(
                f"*{esc(t('Pledges'))}:* {n('pledges')} · *{esc(t('Practices'))}:* {n('practices')} · "
                f"*{esc(t('Registrations'))}:* {n('registrations')} "
                f"({esc(t('travel support requested: %(count)s', count=digest.counts['travel'].text))})"
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
            f"({esc(t('%(count)s inputs', count=shown.text))})"
            for w, shown in digest.repeated()
        )
        blocks.append(section(t("Repeated texts and campaigns"), lines))
    if digest.key_phrases:
        lines = "\n".join(
            f"• {esc(language_label(c, locale))}: {esc(', '.join(p))}"
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
