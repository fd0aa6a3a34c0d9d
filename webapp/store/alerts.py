"""Following by e-mail: subscriptions with double opt-in, and ``flask alerts send``.

Anyone can follow an area, a topic (a category) or one report. :func:`subscribe` stores the
address unconfirmed and mails a confirmation link; :func:`confirm` starts the subscription
(only what is published after that moment is sent); :func:`unsubscribe` deletes the row, and
the address with it. Addresses are private: no public page, export or API shows them.

:func:`send_due` (``flask alerts send``, for cron) mails what is due and is idempotent:

1. **claim**: for a subscription with due items, one row per (subscription, item) is inserted in
   ``alert_deliveries`` under a new batch id and committed. The unique key (subscription, item)
   means an item can be claimed once, ever: a second run, or a concurrent one, finds it taken.
2. **send**: one mail per batch (plain text and HTML, the subscriber's language, the one-click
   unsubscribe headers of RFC 8058), with a Message-ID derived from the batch.
3. **mark**: ``sent_at`` is set on the batch's rows, in one transaction.

A crash between 1 and 3 leaves claimed rows without ``sent_at``: the next run sends those
batches first (same items, same Message-ID) and marks them; nothing new is claimed twice. The
only window for a duplicate is a crash after the mail server accepted the mail and before the
mark committed; the stable Message-ID lets mail systems drop such a copy. One ``alerts send``
runs at a time (:func:`one_run`: a second one finds the lock taken and does nothing).

Only published content goes out: items are re-read at sending time, and an item that was
unpublished since it was claimed is left out of the mail.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import re
import secrets
import smtplib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import and_, select, text
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .layers import place_names
from .lifecycle import label as state_label
from .models import AlertDelivery, Report, ReportUpdate, Subscription, utcnow
from .queries import PUBLIC_STATUS
from .reporting import get_taxonomy

SCOPES = ("area", "category", "report")
FREQUENCIES = ("immediate", "weekly")
WEEK = dt.timedelta(days=7)
#: A plain address, as the follow form accepts it (no display name, no header tricks).
EMAIL = re.compile(r"^[^@\s<>,;\"'()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
#: Items per mail at most; the rest waits for the next run.
MAX_ITEMS = 50


@dataclass(frozen=True)
class Item:
    """Something to tell a follower: a newly published report or a published update."""
    key: str  # "report:<id>" or "update:<id>" (AlertDelivery.item)
    report: Report
    update: ReportUpdate | None
    published_at: dt.datetime


def normalize_email(text: str) -> str:
    """The address as stored: stripped, the domain in lower case."""
    text = (text or "").strip()
    local, _sep, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if local else text


def valid_email(text: str) -> bool:
    """Whether ``text`` is a plain e-mail address."""
    return bool(EMAIL.match(text or ""))


def mail_enabled() -> bool:
    """Following by e-mail needs a mail server; without one the pages offer Atom feeds."""
    return bool(current_app.config.get("MAIL_SERVER"))


# --- subscriptions ---------------------------------------------------------------------------

def subscribe(email: str, scope: str, target: str, lang: str, frequency: str = "immediate") -> Subscription:
    """Store an unconfirmed subscription (or find the existing one) and mail its confirmation link.

    An address that already follows the target is not told so on the page (that would tell
    anybody whether an address follows something); an unconfirmed one gets the link again.
    """
    if scope not in SCOPES or frequency not in FREQUENCIES:
        raise ValueError("scope or frequency")
    email = normalize_email(email)
    sub = db.session.scalars(select(Subscription).where(
        Subscription.email == email, Subscription.scope == scope, Subscription.target == target)).first()
    if sub is None:
        sub = Subscription(email=email, scope=scope, target=target, lang=lang, frequency=frequency,
                           token=secrets.token_urlsafe(32))
        db.session.add(sub)
        try:
            db.session.commit()
        except IntegrityError:  # the same address, at the same moment, in another request
            db.session.rollback()
            return subscribe(email, scope, target, lang, frequency)
    if sub.confirmed_at is None:
        if sub.frequency != frequency or sub.lang != lang:
            sub.frequency, sub.lang = frequency, lang
            db.session.commit()
        send_confirmation(sub)
    return sub


#: What ``secrets.token_urlsafe`` writes: anything else (a NUL byte, which PostgreSQL refuses in
#: text, say) names no subscription and is never sent to the database.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def by_token(token: str) -> Subscription | None:
    """The subscription a link's token names, or None."""
    if not TOKEN.fullmatch(token or ""):
        return None
    return db.session.scalars(select(Subscription).where(Subscription.token == token)).first()


def confirm(sub: Subscription) -> None:
    """Start the subscription: from now on, what is published is sent."""
    if sub.confirmed_at is None:
        sub.confirmed_at = utcnow()
        db.session.commit()


def unsubscribe(sub: Subscription) -> None:
    """Delete the subscription (its address and its delivery log go with it)."""
    db.session.delete(sub)
    db.session.commit()


# --- what is due ---------------------------------------------------------------------------

def _report_condition(sub: Subscription):
    if sub.scope == "area":
        return Report.area == sub.target
    if sub.scope == "category":
        return Report.category == sub.target
    return Report.id == int(sub.target) if sub.target.isdigit() else Report.id == -1


def due_items(sub: Subscription) -> list[Item]:
    """Published items after the confirmation that this subscription was never sent, oldest first."""
    if sub.confirmed_at is None:
        return []
    taken = select(AlertDelivery.item).where(AlertDelivery.subscription_id == sub.id)
    items: list[Item] = []
    if sub.scope != "report":  # following one report: its updates, not the report itself
        reports = db.session.scalars(select(Report).where(
            Report.status == PUBLIC_STATUS, Report.published_at > sub.confirmed_at,
            _report_condition(sub), ("report:" + db.cast(Report.id, db.String)).not_in(taken)))
        items += [Item(f"report:{r.id}", r, None, r.published_at) for r in reports]
    rows = db.session.execute(
        select(ReportUpdate, Report).join(Report, ReportUpdate.report_id == Report.id).where(
            and_(ReportUpdate.status == PUBLIC_STATUS, Report.status == PUBLIC_STATUS,
                 ReportUpdate.published_at > sub.confirmed_at, _report_condition(sub),
                 ("update:" + db.cast(ReportUpdate.id, db.String)).not_in(taken))))
    items += [Item(f"update:{u.id}", r, u, u.published_at) for u, r in rows]
    items.sort(key=lambda i: (i.published_at, i.key))
    return items[:MAX_ITEMS]


def _item_from_key(key: str) -> Item | None:
    """The item ``key`` names, if it is still published (checked again at sending time)."""
    kind, _sep, raw = key.partition(":")
    if not raw.isdigit():
        return None
    if kind == "report":
        report = db.session.get(Report, int(raw))
        if report is not None and report.status == PUBLIC_STATUS:
            return Item(key, report, None, report.published_at)
    elif kind == "update":
        update = db.session.get(ReportUpdate, int(raw))
        if update is not None and update.status == PUBLIC_STATUS and update.report.status == PUBLIC_STATUS:
            return Item(key, update.report, update, update.published_at)
    return None


# --- mails -----------------------------------------------------------------------------------

def _external(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def target_name(scope: str, target: str, lang: str) -> str:
    """What is followed, in words: the area's name, the category's label, the report's title."""
    if scope == "area":
        names = place_names().get(target, {})
        return names.get(lang) or names.get("en") or target
    if scope == "category":
        taxonomy = get_taxonomy()
        cat = taxonomy.get("challenge", target) or taxonomy.get("initiative", target)
        return cat.label(lang) if cat else target
    report = db.session.get(Report, int(target)) if target.isdigit() else None
    return report.title if report is not None else target


def _send(sub: Subscription, subject: str, template: str, message_id: str | None = None, **context) -> None:
    """One mail to ``sub`` in its language: plain text and right-to-left HTML, unsubscribe headers."""
    unsubscribe_url = _external("follow.unsubscribe", token=sub.token)
    context.update(sub=sub, lang=sub.lang, unsubscribe_url=unsubscribe_url,
                   target=target_name(sub.scope, sub.target, sub.lang),
                   direction="rtl" if sub.lang == "ar" else "ltr")
    text = render_template(f"follow/mail_{template}.txt", **context)
    html = render_template(f"follow/mail_{template}.html", **context)
    headers = {"List-Unsubscribe": f"<{unsubscribe_url}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
               "Auto-Submitted": "auto-generated"}
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(subject=" ".join(subject.split())[:150], body=text, to=[sub.email],
                                     headers=headers)
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def _in_url_context(fn, *args, **kwargs):
    """Run ``fn`` where ``url_for(_external=True)`` builds links on ``PUBLIC_URL``.

    Never on the request's own host: a request sent with a forged ``Host`` header would
    otherwise have a confirmation link to another site mailed to a real address. The language
    is the subscriber's (``force_locale`` inside ``fn``), the session the caller's.
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return fn(*args, **kwargs)


def send_confirmation(sub: Subscription) -> bool:
    """Mail the confirmation link; False (logged) when the mail could not be sent."""
    def build():
        with force_locale(sub.lang):
            _send(sub, _("Ahya: confirm that you follow %(target)s",
                         target=target_name(sub.scope, sub.target, sub.lang)), "confirm",
                  confirm_url=_external("follow.confirm", token=sub.token))
    try:
        _in_url_context(build)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        current_app.logger.warning("confirmation %s not sent: %s", sub.id, type(exc).__name__)
        return False
    return True


def _mail_items(sub: Subscription, items: list[Item]) -> list[dict]:

    out = []
    for item in items:
        report, update = item.report, item.update
        cat = get_taxonomy().get(report.kind, report.category)
        out.append({
            "title": report.title, "url": _external("public.report_detail", id=report.id),
            "category": cat.label(sub.lang) if cat else report.category,
            "is_update": update is not None,
            "state": state_label(update.state) if update is not None and update.state else "",
            "text": (update.body if update is not None else report.description)[:600],
        })
    return out


def _send_batch(sub: Subscription, batch: str, items: list[Item]) -> None:
    def build():
        with force_locale(sub.lang):
            target = target_name(sub.scope, sub.target, sub.lang)
            subject = (_("Ahya: news about %(target)s", target=target) if sub.scope == "report"
                       else _("Ahya: new in %(target)s", target=target))
            domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "ahya.invalid"
            _send(sub, subject, "alert", message_id=f"<alert-{batch}@{domain.strip('>')}>",
                  items=_mail_items(sub, items), weekly=sub.frequency == "weekly")
    _in_url_context(build)


def _mark(batch: str, sub: Subscription) -> None:
    now = utcnow()
    db.session.execute(db.update(AlertDelivery).where(AlertDelivery.batch == batch)
                       .values(sent_at=now))
    sub.last_sent_at = now
    db.session.commit()


def _deliver(sub: Subscription, batch: str, keys: list[str], counts: dict) -> None:
    items = [i for i in (_item_from_key(k) for k in keys) if i is not None]
    if not items:  # everything was unpublished since the claim: nothing goes out
        _mark(batch, sub)
        return
    try:
        _send_batch(sub, batch, items)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # Left claimed and unsent: the next run tries this batch again, before anything new.
        current_app.logger.warning("alert batch %s not sent: %s", batch, type(exc).__name__)
        counts["failed"] += 1
        return
    _mark(batch, sub)
    counts["mails"] += 1
    counts["items"] += len(items)


_LOCK_KEY = 0x41687962  # the advisory lock of one ``alerts send`` at a time (PostgreSQL)


class AlertsBusy(RuntimeError):
    """Another ``alerts send`` is running: this one did nothing."""


@contextmanager
def one_run():
    """Hold the "alerts send" lock for the block, or raise :class:`AlertsBusy` at once.

    Two overlapping runs (a slow SMTP server, cron starting the next one) would both find the
    same unsent batches of an interrupted run and send them twice. PostgreSQL gets an advisory
    lock (it works across machines); SQLite a file lock beside the instance's other files.
    """
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        with db.engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar():
                raise AlertsBusy()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
        return
    path = Path(current_app.instance_path) / "alerts-send.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlertsBusy() from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every due alert mail once (``flask alerts send``); returns counts.

    Returns
    -------
    dict
        ``mails`` sent, ``items`` in them, ``resumed`` batches of an earlier run finished now,
        ``failed`` batches left for the next run.
    """
    now = now or utcnow()
    counts = {"mails": 0, "items": 0, "resumed": 0, "failed": 0}
    if not mail_enabled():
        return counts
    # 1. Batches claimed by an earlier run that did not finish.
    unsent = db.session.execute(select(AlertDelivery.batch, AlertDelivery.subscription_id, AlertDelivery.item)
                                .where(AlertDelivery.sent_at.is_(None)).order_by(AlertDelivery.id)).all()
    batches: dict[str, tuple[int, list[str]]] = {}
    for batch, sub_id, key in unsent:
        batches.setdefault(batch, (sub_id, []))[1].append(key)
    for batch, (sub_id, keys) in batches.items():
        sub = db.session.get(Subscription, sub_id)
        if sub is not None:
            counts["resumed"] += 1
            _deliver(sub, batch, keys, counts)
    # 2. New items: claim, send, mark.
    subs = db.session.scalars(select(Subscription).where(Subscription.confirmed_at.is_not(None))
                              .order_by(Subscription.id)).all()
    for sub in subs:
        # A weekly digest goes out a week after the last one (or after the confirmation).
        if sub.frequency == "weekly" and now - (sub.last_sent_at or sub.confirmed_at) < WEEK:
            continue
        items = due_items(sub)
        if not items:
            continue
        batch = uuid.uuid4().hex
        db.session.add_all([AlertDelivery(subscription_id=sub.id, item=i.key, batch=batch) for i in items])
        try:
            db.session.commit()
        except IntegrityError:  # another run claimed some of them first: they are its to send
            db.session.rollback()
            continue
        _deliver(sub, batch, [i.key for i in items], counts)
    return counts
