"""The ``gcm-intake`` command: serve, migrate, load demo data."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import BinaryIO

import click
from rich.progress import Progress

from intake_api import __version__
from intake_api.runtime import Runtime
from models.migrate import current_revision, upgrade


def _configure_logging() -> None:
    from intake_api import log_privacy

    log_privacy.install()  # before the first record: secrets and personal data never reach a handler
    log_privacy.log_uncaught_exceptions()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gcm-intake")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Intake for the Regional Reviews of the Global Compact for Migration."""
    _configure_logging()
    ctx.obj = _LazyRuntime()
    ctx.call_on_close(ctx.obj.close)


class _LazyRuntime:
    """Builds the runtime on first use, so `--help` works without any configuration."""

    _runtime: Runtime | None = None

    def get(self) -> Runtime:
        if self._runtime is None:
            from intake_api.app import build_runtime  # the channels wired in, as in the web app

            self._runtime = build_runtime()
        return self._runtime

    def close(self) -> None:
        """Return the store's connections when the command ends."""
        if self._runtime is not None:
            self._runtime.engine.dispose()


pass_runtime = click.make_pass_decorator(_LazyRuntime)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--scheduler/--no-scheduler",
    "with_scheduler",
    default=None,
    help="Run the scheduler (digests, moderation feed, purge) in this process "
    "[default: on SQLite yes, on PostgreSQL no: run `gcm-intake scheduler`].",
)
@pass_runtime
def serve(
    lazy: _LazyRuntime, host: str, port: int, threads: int, with_scheduler: bool | None
) -> None:
    """Run the web service (forms, webhooks, API) in one process, and on SQLite the scheduler."""
    import waitress

    from intake_api.app import create_app, default_senders, serving, webhook_telegram
    from intake_api.scheduler import build_scheduler

    runtime = serving(lazy.get())
    runtime.settings.log_disabled_channels()
    _ensure_schema(runtime)
    jobs = (
        build_scheduler(
            runtime,
            blocking=False,
            senders=default_senders(runtime),
            telegram=webhook_telegram(runtime),
        )
        if (runtime.uses_sqlite if with_scheduler is None else with_scheduler)
        else None
    )
    if jobs is not None:
        jobs.start()
    click.echo(
        f"gcm-intake {__version__} on http://{host}:{port}/ (Ctrl+C to stop)"
        + (", with the scheduler" if jobs is not None else "")
    )
    try:
        waitress.serve(
            create_app(runtime=runtime),
            host=host,
            port=port,
            threads=threads,
            ident="gcm-intake",
            **_waitress_proxy_options(runtime.settings.proxy_hops),
        )
    finally:
        if jobs is not None:
            jobs.shutdown(wait=True)  # a tick that is sending finishes first


def _waitress_proxy_options(proxy_hops: int) -> dict[str, bool]:
    """Forwarded headers reach the app when proxies are trusted, as under gunicorn.

    They are read once, by the app (werkzeug's ProxyFix, counting INTAKE_PROXY_HOPS from the
    right). waitress by default drops them before the app sees them, so behind a proxy every
    client shared one rate-limit bucket and HSTS was never sent; without trusted proxies it
    keeps dropping them, so no client can claim another address or HTTPS.
    """
    return {"clear_untrusted_proxy_headers": False} if proxy_hops else {}


def _ensure_schema(runtime: Runtime) -> None:
    """SQLite is migrated on start; a shared PostgreSQL store is migrated on purpose."""
    if runtime.uses_sqlite:
        upgrade(runtime.engine)
        return
    from alembic.script import ScriptDirectory

    from models.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current_revision(runtime.engine) != head:
        raise click.ClickException("the store is not up to date: run `gcm-intake db upgrade` first")


@main.group()
def db() -> None:
    """Manage the shared store."""


@db.command("upgrade")
@pass_runtime
def db_upgrade(lazy: _LazyRuntime) -> None:
    """Create or migrate the store's tables to the latest schema."""
    runtime = lazy.get()
    upgrade(runtime.engine)
    click.echo(f"store at revision {current_revision(runtime.engine)}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What changed, in a few words.")
@pass_runtime
def db_revision(lazy: _LazyRuntime, message: str) -> None:
    """Autogenerate a migration from the models (run `db upgrade` first), to review before committing."""
    from models.migrate import new_revision

    runtime = lazy.get()
    if current_revision(runtime.engine) is None:
        raise click.ClickException("the store is empty: run `gcm-intake db upgrade` first")
    click.echo(new_revision(runtime.engine, message))


@main.command()
@click.option(
    "--count",
    default=600,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Number of inputs to create.",
)
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed.")
@pass_runtime
def demo(lazy: _LazyRuntime, count: int, seed: int) -> None:
    """Load a realistic multilingual sample (idempotent: running it twice adds nothing)."""
    from intake_api.demo import load_demo

    runtime = lazy.get()
    _ensure_schema(runtime)
    summary = load_demo(runtime.service, count=count, seed=seed)
    click.echo(
        f"demo data: {summary.stored} new inputs, {summary.already} already there, "
        f"{summary.other} pledges, practices and registrations"
    )


@main.command()
@click.option(
    "--set-webhook",
    "webhook_url",
    metavar="URL",
    help="Register URL (ending in /telegram/webhook) with Telegram instead of polling.",
)
@pass_runtime
def telegram(lazy: _LazyRuntime, webhook_url: str | None) -> None:
    """Run the Telegram bot by long polling (for local use without a public URL)."""
    import signal
    import threading

    from bots.telegram.app import build_telegram_app, register_commands, set_webhook
    from bots.telegram.polling import run_polling

    runtime = lazy.get()
    _ensure_schema(runtime)
    channel = build_telegram_app(runtime)
    if channel is None:
        raise click.ClickException("INTAKE_TELEGRAM_TOKEN is not set")
    try:
        if webhook_url:
            set_webhook(channel, webhook_url)
            register_commands(channel)
            click.echo(f"webhook registered: {webhook_url}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run_polling(channel, stop=stop)
        except KeyboardInterrupt:
            stop.set()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    finally:
        channel.close()


@main.command()
@pass_runtime
def scheduler(lazy: _LazyRuntime) -> None:
    """Every 30 seconds: send due digests, post new inputs to Slack, purge once a day.

    Run one per deployment; a second one stands by (PostgreSQL advisory lock, or a
    lease row on SQLite) and takes over within a minute when the first one stops.
    """
    import signal
    import threading

    from intake_api.app import default_senders, webhook_telegram
    from intake_api.scheduler import build_scheduler

    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # not two lines a minute
    runtime = lazy.get()
    runtime.settings.log_disabled_channels()
    _ensure_schema(runtime)
    jobs = build_scheduler(
        runtime,
        blocking=False,
        senders=default_senders(runtime),
        telegram=webhook_telegram(runtime),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    jobs.start()
    click.echo(f"gcm-intake {__version__} scheduler running (Ctrl+C to stop)")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        jobs.shutdown(wait=True)  # a tick that is sending finishes first


@main.group()
def staff() -> None:
    """Manage Network staff and their roles."""


@staff.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "organiser"]), required=True)
@click.option(
    "--review",
    "reviews",
    multiple=True,
    metavar="SLUG",
    help="A review an organiser covers (repeatable).",
)
@pass_runtime
def staff_add(lazy: _LazyRuntime, email: str, role: str, reviews: tuple[str, ...]) -> None:
    """Add a staff member, or change their role and reviews."""
    from intake_api.staff import add_staff, issue_token

    runtime = lazy.get()
    _ensure_schema(runtime)
    try:
        member = add_staff(runtime.engine, email=email, role=role, reviews=list(reviews))
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    scope = "all reviews" if member.role == "admin" else ", ".join(member.reviews)
    click.echo(f"{member.email}: {member.role} ({scope})")
    token = issue_token(runtime.engine, staff_id=member.id or 0)
    click.echo(f"API token (shown once, keep it safe): {token}")


@staff.command("revoke")
@click.argument("email")
@pass_runtime
def staff_revoke(lazy: _LazyRuntime, email: str) -> None:
    """Revoke every API token of a staff member."""
    from intake_api.staff import revoke_tokens

    click.echo(f"{revoke_tokens(lazy.get().engine, email=email)} tokens revoked")


@staff.command("list")
@pass_runtime
def staff_list(lazy: _LazyRuntime) -> None:
    """List staff members and their roles."""
    from intake_api.staff import list_staff

    for member in list_staff(lazy.get().engine):
        scope = "all reviews" if member.role == "admin" else ", ".join(member.reviews)
        linked = "linked to Slack" if member.slack_pseudonym else "not yet seen in Slack"
        click.echo(f"{member.email}\t{member.role}\t{scope}\t{linked}")


@main.group()
def slack() -> None:
    """Slack tasks outside a request."""


@slack.command("post")
@pass_runtime
def slack_post(lazy: _LazyRuntime) -> None:
    """Post new inputs, pledges and practices to their review's moderation channel (each once)."""
    from bots.slack.client import outbound_client
    from bots.slack.moderation_feed import post_new_inputs, post_new_items

    runtime = lazy.get()
    if not runtime.settings.slack_enabled:
        raise click.ClickException(
            "INTAKE_SLACK_BOT_TOKEN and INTAKE_SLACK_SIGNING_SECRET are not set"
        )
    client = outbound_client(runtime)
    click.echo(f"posted {post_new_inputs(runtime, client)} inputs")
    click.echo(f"posted {post_new_items(runtime, client)} pledges and practices")


@main.group(invoke_without_command=True)
@click.option(
    "--print",
    "print_id",
    type=int,
    metavar="SUBSCRIPTION",
    help="Show a subscription's next digest.",
)
@click.option("--review", metavar="SLUG", help="Show the last seven days' digest of a review.")
@click.option("--send", is_flag=True, help="Send every digest that is due now.")
@click.option("--locale", default="en", show_default=True)
@click.pass_context
def digest(
    ctx: click.Context, print_id: int | None, review: str | None, send: bool, locale: str
) -> None:
    """Show or send digests; manage subscriptions (subscribe, list, unsubscribe)."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import timedelta

    from intake_api.app import default_senders
    from intake_api.digest_email import render_digest_email
    from intake_api.digests import digest_for
    from intake_api.scheduler import send_due_digests
    from intake_api.subscriptions import list_subscriptions
    from models.base import utcnow

    runtime = ctx.ensure_object(_LazyRuntime).get()
    _ensure_schema(runtime)
    now = utcnow()
    if send:
        sent = send_due_digests(
            runtime.engine,
            default_senders(runtime),
            now=now,
            consent_age=runtime.settings.digital_consent_age,
        )
        click.echo(f"sent {sent} digests")
        return
    if print_id is not None:
        found = [s for s in list_subscriptions(runtime.engine) if s.id == print_id]
        if not found:
            raise click.ClickException(f"no active subscription {print_id}")
        slugs, locale = found[0].reviews, found[0].locale
    elif review:
        slugs = [review]
    else:
        click.echo(ctx.get_help())
        return
    digests = [
        digest_for(
            runtime.engine,
            review_slug=s,
            since=now - timedelta(days=7),
            until=now,
            consent_age=runtime.settings.digital_consent_age,
        )
        for s in slugs
    ]
    click.echo(render_digest_email(digests, locale)[1])


@digest.command("subscribe")
@click.option("--review", "reviews", multiple=True, required=True, metavar="SLUG")
@click.option(
    "--cadence", default="weekly", show_default=True, help="daily, weekly, or a crontab expression."
)
@click.option(
    "--at", default="08:00", show_default=True, help="Time of day for daily/weekly (HH:MM)."
)
@click.option("--day", default="mon", show_default=True, help="Day for weekly (mon..sun).")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--locale", default="en", show_default=True)
@click.option("--slack-channel", metavar="CHANNEL_ID")
@click.option("--email", "emails", multiple=True, metavar="ADDRESS")
@pass_runtime
def digest_subscribe(
    lazy: _LazyRuntime,
    reviews: tuple[str, ...],
    cadence: str,
    at: str,
    day: str,
    timezone: str,
    locale: str,
    slack_channel: str | None,
    emails: tuple[str, ...],
) -> None:
    """Subscribe a Slack channel and/or e-mail addresses to reviews' digests."""
    from intake_api.subscriptions import cadence_to_cron, subscribe

    runtime = lazy.get()
    _ensure_schema(runtime)
    try:
        subscription = subscribe(
            runtime.engine,
            reviews=list(reviews),
            cron=cadence_to_cron(cadence, at, day),
            timezone=timezone,
            locale=locale,
            slack_channel=slack_channel,
            emails=list(emails),
            actor="cli",
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"subscription {subscription.id}: {', '.join(subscription.reviews)} at '{subscription.cron}' "
        f"({subscription.timezone}), {subscription.locale}"
    )


@digest.command("list")
@pass_runtime
def digest_list(lazy: _LazyRuntime) -> None:
    """List active subscriptions."""
    from intake_api.subscriptions import list_subscriptions

    for s in list_subscriptions(lazy.get().engine):
        targets = ", ".join(filter(None, [s.slack_channel, *s.emails]))
        click.echo(f"{s.id}\t{','.join(s.reviews)}\t{s.cron}\t{s.timezone}\t{s.locale}\t{targets}")


@digest.command("unsubscribe")
@click.argument("subscription_id", type=int)
@pass_runtime
def digest_unsubscribe(lazy: _LazyRuntime, subscription_id: int) -> None:
    """Stop a subscription."""
    from intake_api.subscriptions import unsubscribe

    if not unsubscribe(lazy.get().engine, subscription_id=subscription_id, actor="cli"):
        raise click.ClickException(f"no active subscription {subscription_id}")
    click.echo(f"subscription {subscription_id} stopped")


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "jsonl"]), default="csv", show_default=True
)
@click.option("--review", metavar="SLUG", help="Only this regional review.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only inputs received from this date (UTC)."
)
@click.option("--locale", default="en", show_default=True, help="Language of headers and labels.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: stdout).",
)
@pass_runtime
def export(
    lazy: _LazyRuntime, fmt: str, review: str | None, since: object, locale: str, output: str | None
) -> None:
    """Export inputs, streamed in constant memory, with a progress bar on the terminal."""
    from datetime import UTC, datetime

    from rich.console import Console

    from intake_api.exports import WRITERS, ExportFilter, count_rows, iter_rows

    runtime = lazy.get()
    _ensure_schema(runtime)
    where = ExportFilter(
        review=review, since=since.replace(tzinfo=UTC) if isinstance(since, datetime) else None
    )
    total = count_rows(runtime.engine, where)
    if output:
        sink: BinaryIO = Path(output).open("wb")  # noqa: SIM115 - closed below
    else:
        sink = sys.stdout.buffer
    try:
        with Progress(console=Console(stderr=True), transient=False) as progress:
            task = progress.add_task(f"Exporting {fmt}", total=total)
            written = WRITERS[fmt](
                iter_rows(runtime.engine, where, locale),
                sink,
                locale,
                lambda n: progress.advance(task, n),
            )
    finally:
        if output:
            sink.close()
    runtime.privacy.record_access(
        actor="cli",
        action="inputs.exported",
        subject_type="export",
        detail={"format": fmt, "review": review, "rows": written},
    )
    click.echo(f"{written} inputs exported", err=True)


@main.command()
@click.argument("review", metavar="REVIEW")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "csv", "xlsx", "docx"]),
    default="html",
    show_default=True,
)
@click.option("--locale", default="en", show_default=True, help="Language of the report.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: stdout).",
)
@pass_runtime
def report(lazy: _LazyRuntime, review: str, fmt: str, locale: str, output: str | None) -> None:
    """Build the summary report of a regional review for the Network Coordinator."""
    from rich.console import Console

    from intake_api.i18n import LOCALES
    from intake_api.reports import build_report, render_report
    from models.reference import REVIEW_SLUGS

    if review not in REVIEW_SLUGS:
        raise click.ClickException(f"unknown review {review!r}; one of {', '.join(REVIEW_SLUGS)}")
    if locale not in LOCALES:
        raise click.ClickException(f"locale must be one of {', '.join(LOCALES)}")
    runtime = lazy.get()
    _ensure_schema(runtime)
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task(f"Report {review.upper()} ({fmt}, {locale})", total=2)
        data = build_report(
            runtime.engine, review_slug=review, consent_age=runtime.settings.digital_consent_age
        )
        progress.advance(task)
        body = render_report(data, fmt, locale)
        progress.advance(task)
    if output:
        Path(output).write_bytes(body)
        click.echo(f"report written to {output}", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command()
@click.option("--dry-run", is_flag=True, help="Only show what would be purged.")
@pass_runtime
def purge(lazy: _LazyRuntime, dry_run: bool) -> None:
    """Delete contact details, sealed texts and idle conversations whose retention is over.

    Safe to stop or crash midway: run it again and it carries on.
    """
    from rich.console import Console

    runtime = lazy.get()
    _ensure_schema(runtime)
    due = runtime.retention.plan()
    for name, count in due.items():
        click.echo(f"{name:32} {count:>8} {'would go' if dry_run else 'due'}")
    if dry_run:
        return
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("Purging", total=sum(due.values()) or 1)
        done = runtime.retention.purge(progress=lambda _step, n: progress.advance(task, n))
    click.echo(f"purged {sum(done.values())} rows")


@main.command()
@pass_runtime
def dedupe(lazy: _LazyRuntime) -> None:
    """Group near-identical inputs (campaigns, repeats) over the whole store, from scratch.

    Intake groups them as they arrive; this rebuilds the same groups in one batch,
    e.g. after an import or a change of threshold.
    """
    from rich.console import Console
    from sqlalchemy import func
    from sqlmodel import col, select

    from intake_api.language.grouping import regroup_all
    from models.db import read_session
    from models.submission import Submission

    runtime = lazy.get()
    _ensure_schema(runtime)
    with read_session(runtime.engine) as session:
        total = session.exec(select(func.count()).select_from(Submission)).one()
        unsigned = session.exec(
            select(func.count()).select_from(Submission).where(col(Submission.minhash).is_(None))
        ).one()
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("Signing and indexing inputs", total=(total + unsigned) or 1)
        summary = regroup_all(runtime.engine, progress=lambda n: progress.advance(task, n))
    click.echo(
        f"{summary['inputs']} inputs, {summary['groups']} groups of near-identical texts "
        f"holding {summary['in_groups']} inputs ({summary['signed']} newly signed)"
    )


@main.command()
@click.argument("receipt")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_runtime
def erase(lazy: _LazyRuntime, receipt: str, yes: bool) -> None:
    """Erase one input, pledge, practice or registration by its receipt code (audited)."""
    from intake_api.policies.authorization import OPERATOR

    runtime = lazy.get()
    _ensure_schema(runtime)
    if not yes:
        click.confirm(f"Erase {receipt}? This cannot be undone", abort=True)
    if runtime.privacy.erase_for_staff(receipt=receipt, staff=OPERATOR):
        click.echo(f"{receipt} erased")
    else:
        click.echo(f"nothing stored under {receipt}")


@main.command()
@click.argument("receipts", nargs=-1, required=True, metavar="RECEIPT [RECEIPT...]")
@pass_runtime
def publish(lazy: _LazyRuntime, receipts: tuple[str, ...]) -> None:
    """Publish pledges or practices on the Migration Network Hub (audited; needs their
    author's consent to publish)."""
    _set_published(lazy, receipts, published=True)


@main.command()
@click.argument("receipts", nargs=-1, required=True, metavar="RECEIPT [RECEIPT...]")
@pass_runtime
def unpublish(lazy: _LazyRuntime, receipts: tuple[str, ...]) -> None:
    """Take pledges or practices off the Migration Network Hub (audited)."""
    _set_published(lazy, receipts, published=False)


def _set_published(lazy: _LazyRuntime, receipts: tuple[str, ...], *, published: bool) -> None:
    """One line per receipt; exits 1 if any could not be changed (the others still are)."""
    from intake_api.policies.authorization import OPERATOR, NotAllowed
    from intake_api.publishing import NoConsentToPublish

    runtime = lazy.get()
    _ensure_schema(runtime)
    failed = 0
    for receipt in receipts:
        try:
            done = runtime.publishing.set_published(
                receipt=receipt, actor=OPERATOR, channel="cli", published=published
            )
        except NotAllowed:
            click.echo(f"{receipt}: no pledge or practice has this receipt", err=True)
        except NoConsentToPublish:
            click.echo(
                f"{receipt}: not published: its author did not agree to publication, or withdrew it",
                err=True,
            )
        else:
            click.echo(f"{done.receipt}: {'published' if done.public else 'not published'}")
            continue
        failed += 1
    if failed:
        sys.exit(1)


@main.command("publish-report")
@click.argument("review", metavar="REVIEW")
@click.option("--withdraw", is_flag=True, help="Take the report off the review's public page.")
@pass_runtime
def publish_report(lazy: _LazyRuntime, review: str, withdraw: bool) -> None:
    """Publish REVIEW's summary report on its public page, or withdraw it (audited)."""
    from intake_api.policies.authorization import OPERATOR
    from models.reference import REVIEW_SLUGS

    if review not in REVIEW_SLUGS:
        raise click.ClickException(f"unknown review {review!r}; one of {', '.join(REVIEW_SLUGS)}")
    runtime = lazy.get()
    _ensure_schema(runtime)
    published_at = runtime.publishing.publish_report(
        review_slug=review, actor=OPERATOR, channel="cli", published=not withdraw
    )
    if published_at is None:
        click.echo(f"{review.upper()}: summary report not public")
    else:
        click.echo(
            f"{review.upper()}: summary report public since {published_at:%Y-%m-%d %H:%M} UTC"
        )


@main.command()
@click.argument("receipt")
@click.option("--reason", required=True, help="The legal reason, kept in the audit log.")
@pass_runtime
def original(lazy: _LazyRuntime, receipt: str, reason: str) -> None:
    """Show an input's words as written, before personal data was masked (audited).

    Only for an administrator, when the law requires it; gone once retention has purged it.
    """
    from intake_api.policies.authorization import OPERATOR

    runtime = lazy.get()
    _ensure_schema(runtime)
    try:
        text = runtime.privacy.reveal_original(receipt=receipt, reason=reason, staff=OPERATOR)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if text is None:
        raise click.ClickException(
            f"no sealed original for {receipt} (nothing was masked, or it was purged)"
        )
    click.echo(text)


@main.command()
@click.argument("review")
@click.argument("days", type=click.IntRange(0, 3650), required=False)
@pass_runtime
def retention(lazy: _LazyRuntime, review: str, days: int | None) -> None:
    """Days after REVIEW's consultation before its contact details are purged (none: the default)."""
    from models.reference import REVIEW_SLUGS

    if review not in REVIEW_SLUGS:
        raise click.ClickException(f"unknown review {review!r}; one of {', '.join(REVIEW_SLUGS)}")
    runtime = lazy.get()
    _ensure_schema(runtime)
    runtime.retention.set_review_retention(review_slug=review, days=days, actor="cli")
    shown = days if days is not None else f"{runtime.settings.contact_retention_days} (default)"
    click.echo(f"{review.upper()}: contact details purged {shown} days after the consultation")


@main.command()
@click.argument("review")
@click.argument("country")
@click.argument("text", required=False, default="")
@pass_runtime
def referral(lazy: _LazyRuntime, review: str, country: str, text: str) -> None:
    """Set where contributors of REVIEW in COUNTRY (ISO code, or * for any) can get help.

    Shown to anyone whose input discloses a protection risk. Without TEXT, removes it.
    """
    from intake_api.referrals import set_referral
    from models.reference import COUNTRY_CODES, REVIEW_SLUGS

    if review not in REVIEW_SLUGS:
        raise click.ClickException(f"unknown review {review!r}; one of {', '.join(REVIEW_SLUGS)}")
    country = country.upper()
    if country != "*" and country not in COUNTRY_CODES:
        raise click.ClickException(f"{country!r} is not an ISO 3166 country code")
    runtime = lazy.get()
    _ensure_schema(runtime)
    set_referral(runtime.engine, review_slug=review, country=country, text=text, actor="cli")
    click.echo(f"referral for {review.upper()} / {country} {'set' if text.strip() else 'removed'}")


@main.command()
@click.option(
    "--review",
    required=True,
    metavar="SLUG",
    help="The regional review whose contributors are written to.",
)
@click.option(
    "--message-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The message (plain text), sent as written.",
)
@click.option(
    "--translation",
    "translations",
    multiple=True,
    metavar="LOCALE=FILE",
    help="The message in one language, for contributors who chose it (repeatable).",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="CHAT_ID",
    help="Also post to a Telegram group or channel the bot is in: -100... or @name (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing.")
@click.option(
    "--retry-uncertain",
    is_flag=True,
    help="Send again what a crash left uncertain (it may reach some twice).",
)
@click.option(
    "--abandon-unfinished",
    is_flag=True,
    help="Stop an unfinished broadcast of other text to this review.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_runtime
def broadcast(
    lazy: _LazyRuntime,
    review: str,
    message_file: str,
    translations: tuple[str, ...],
    groups: tuple[str, ...],
    dry_run: bool,
    retry_uncertain: bool,
    abandon_unfinished: bool,
    yes: bool,
) -> None:
    """Write to the Telegram contributors of a review who agreed to hear about it.

    Only those who said yes to messages about this review; a footer in each
    one's language says how to stop. Paced to Telegram's limits. Safe to stop
    or crash: run the same command again and it carries on, never sending
    twice to anyone Telegram confirmed as reached.
    """
    from rich.console import Console

    from bots.telegram.broadcast import Progress as Sent
    from bots.telegram.broadcast import send_broadcast
    from intake_api import broadcasts
    from intake_api.i18n import LOCALES
    from models.reference import REVIEW_SLUGS

    if review not in REVIEW_SLUGS:
        raise click.ClickException(f"unknown review {review!r}; one of {', '.join(REVIEW_SLUGS)}")
    messages = {broadcasts.ANY_LOCALE: _read_message(message_file)}
    for item in translations:
        locale, _, path = item.partition("=")
        if locale not in LOCALES or not path:
            raise click.BadParameter(
                f"{item!r}: use LOCALE=FILE, LOCALE one of {', '.join(LOCALES)}"
            )
        messages[locale] = _read_message(path)
    chats = [_group_chat(g) for g in groups]
    runtime = lazy.get()
    _ensure_schema(runtime)
    settings = runtime.settings
    if not settings.telegram_enabled:
        raise click.ClickException("INTAKE_TELEGRAM_TOKEN is not set")
    count = broadcasts.count_recipients(runtime.engine, review_slug=review)
    if dry_run:
        click.echo(
            f"{count} contributors of {review.upper()} agreed to messages; {len(chats)} groups"
        )
        for locale in LOCALES:
            click.echo(f"--- {locale}\n{broadcasts.text_for(messages, locale)}")
        return
    if not yes:
        click.confirm(
            f"Send to {count} contributors of {review.upper()} and {len(chats)} groups?", abort=True
        )
    logging.getLogger("httpx").setLevel(
        logging.WARNING
    )  # a line per message would bury the progress bar
    try:
        created = broadcasts.create_broadcast(
            runtime.engine,
            runtime.keys,
            review_slug=review,
            messages=messages,
            groups=chats,
            actor="cli",
            abandon_unfinished=abandon_unfinished,
        )
    except broadcasts.BroadcastInProgress as busy:
        raise click.ClickException(
            f"broadcast #{busy.broadcast_id} to {review.upper()} is unfinished ({busy.left} left): run it again "
            "with its own message files, or add --abandon-unfinished"
        ) from None
    click.echo(
        f"broadcast #{created.broadcast_id} to {review.upper()}: {created.recipients} recipients"
        + (" (resuming)" if created.resumed else "")
    )
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("Sending", total=None)

        def show(sent: Sent) -> None:
            progress.update(
                task,
                total=sent.total or 1,
                completed=sent.done,
                description=f"Sending ({sent.too_many_requests} x 429)",
            )

        try:
            run, totals = send_broadcast(
                runtime.engine,
                runtime.keys,
                token=settings.telegram_token,
                base_url=settings.telegram_api_url,
                broadcast_id=created.broadcast_id,
                retry_uncertain=retry_uncertain,
                on_progress=show,
            )
        except broadcasts.SenderBusy as busy:
            raise click.ClickException(
                f"another broadcast is being sent ({busy}); try again when it ends"
            ) from None
    click.echo(
        f"this run: {run.sent} reached, {run.failed} failed, {run.skipped} withdrew, "
        f"{run.uncertain} uncertain, {run.too_many_requests} answered 429"
    )
    click.echo("in all: " + ", ".join(f"{totals.get(s, 0)} {s}" for s in broadcasts.FINAL))
    if totals.get("uncertain"):
        click.echo(
            "uncertain: a crash came between sending and Telegram's answer; they are not sent again "
            "unless you add --retry-uncertain (some may then get it twice)"
        )


@main.command()
@click.option(
    "--limit", default=30, show_default=True, type=int, help="How many recent failures to list."
)
@click.option(
    "--kind",
    type=click.Choice(["reply", "broadcast", "moderation", "digest", "email"]),
    help="Only this kind of message.",
)
@click.option(
    "--retry",
    "retry_id",
    type=int,
    metavar="ID",
    help="Have a failed moderation post or digest tried again at the next run.",
)
@click.option(
    "--forget-before",
    "forget_days",
    type=int,
    metavar="DAYS",
    help="Delete failures older than DAYS days.",
)
@pass_runtime
def failures(
    lazy: _LazyRuntime, limit: int, kind: str | None, retry_id: int | None, forget_days: int | None
) -> None:
    """Outbound messages given up on (and those still being retried), and counts by kind.

    Replies, broadcasts, moderation posts, digests and e-mails that could not be sent
    by their deadline, or that the platform refused, each with its cause (an error class
    or a status code) and the ids that name it; nothing personal.
    """
    from datetime import timedelta

    from rich.console import Console
    from rich.table import Table

    from intake_api import delivery_failures
    from models.base import utcnow

    runtime = lazy.get()
    _ensure_schema(runtime)
    engine = runtime.engine
    if retry_id is not None:
        row = delivery_failures.try_again(engine, retry_id)
        if row is None:
            raise click.ClickException(
                f"no failed moderation post or digest #{retry_id} (replies and broadcasts "
                "cannot be tried again from here; see broadcast --retry-uncertain)"
            )
        click.echo(f"{row.kind} {row.ref} will be tried again at the next run")
        return
    if forget_days is not None:
        gone = delivery_failures.forget_before(engine, utcnow() - timedelta(days=forget_days))
        click.echo(f"forgot {gone} failures")
        return
    console = Console()
    counts = delivery_failures.counts(engine)
    summary = Table(title="Outbound messages by kind")
    for column in ("kind", "failed", "retrying"):
        summary.add_column(column, justify="right" if column != "kind" else "left")
    for name in sorted(counts):
        summary.add_row(name, str(counts[name]["failed"]), str(counts[name]["retrying"]))
    console.print(summary if counts else "No outbound message failed or is being retried.")
    rows = [
        r for r in delivery_failures.recent(engine, limit=limit) if kind is None or r.kind == kind
    ]
    if not rows:
        return
    table = Table(title="Recent failures")
    for column in ("id", "kind", "ref", "cause", "attempts", "first tried", "failed at"):
        table.add_column(column)
    for row in rows:
        failed = (
            f"{row.failed_at:%Y-%m-%d %H:%M}"
            if row.failed_at
            else f"retrying (next {row.next_try_at:%H:%M})"
        )
        table.add_row(
            str(row.id),
            row.kind,
            row.ref,
            row.cause,
            str(row.attempts),
            f"{row.first_tried_at:%Y-%m-%d %H:%M}",
            failed,
        )
    console.print(table)


def _read_message(path: str) -> str:
    text = Path(path).read_text(encoding="utf-8").strip()
    if not text:
        raise click.BadParameter(f"{path} is empty")
    return text


def _group_chat(value: str) -> int | str:
    """A group or channel: its numeric id (negative) or its @username."""
    if value.startswith("@") and len(value) > 1:
        return value
    if value.startswith("-") and value[1:].isdigit():
        return int(value)
    raise click.BadParameter(f"{value!r}: a group id is negative (-100...) or an @username")


def _register_subcommands() -> None:
    from intake_api.translate import translate

    main.add_command(translate)


_register_subcommands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
