"""The follow form, the confirmation and the unsubscribe pages.

``/follow?scope=area&target=silwan`` (or ``category``/``report``) asks for an address and a
frequency; the subscription starts only when the link mailed to it is confirmed (a button: mail
scanners that open links confirm nothing). The unsubscribe URL takes a one-click POST without
cookie or CSRF token (RFC 8058) and deletes the subscription. Without ``MAIL_SERVER`` the page
offers the target's Atom feed instead. An unknown scope or target is a 404; nothing on these
pages tells whether an address follows anything.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..extensions import csrf, db, limiter
from ..store import alerts, queries
from ..store.filters import ParameterError, single
from ..store.layers import place_slugs
from ..store.reporting import get_taxonomy
from ..web.i18n import current_language
from ..web.routing import MAX_ID
from .forms import FollowForm, TokenForm

bp = Blueprint("follow", __name__, url_prefix="/follow")


def _rate_limit() -> str:
    return current_app.config["FOLLOW_RATE_LIMIT"]


def _target(args: MultiDict) -> tuple[str, str]:
    """The validated ``(scope, target)`` of the query string; 404 for anything unknown."""
    try:
        scope, target = single(args, "scope"), single(args, "target")
    except ParameterError:
        abort(404)
    if scope == "area" and target in place_slugs():
        return scope, target
    if scope == "category" and target and any(get_taxonomy().is_valid(k, target)
                                              for k in ("challenge", "initiative")):
        return scope, target
    if scope == "report" and target and target.isdigit() and len(target) <= 10 \
            and 1 <= int(target) <= MAX_ID \
            and db.session.scalars(queries.published_report(int(target))).first() is not None:
        return scope, str(int(target))
    abort(404)


def feed_url(scope: str, target: str) -> str:
    """The Atom feed of what is followed."""
    if scope == "area":
        return url_for("public.area_feed", slug=target)
    if scope == "category":
        return url_for("public.topic_feed", category=target)
    return url_for("public.report_feed", id=int(target))


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def follow():
    """Follow an area, a topic or a report by e-mail (or by its Atom feed)."""
    scope, target = _target(request.args)
    lang = current_language()
    context = {"scope": scope, "target": target, "feed": feed_url(scope, target),
               "name": alerts.target_name(scope, target, lang), "mail": alerts.mail_enabled()}
    form = FollowForm()
    if not context["mail"]:
        # No mail server: the form is not shown and nothing is stored.
        return render_template("follow/follow.html", form=None, **context), 200
    if request.method == "POST" and form.website.data:
        return render_template("follow/sent.html", **context), 200  # a bot: store nothing
    if form.validate_on_submit():
        alerts.subscribe(form.email.data, scope, target, lang, form.frequency.data)
        return render_template("follow/sent.html", **context), 200
    return render_template("follow/follow.html", form=form, **context), \
        400 if request.method == "POST" else 200


def _subscription(token: str):
    sub = alerts.by_token(token)
    if sub is None:
        abort(404)
    return sub


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link of the confirmation mail: a button that starts the subscription."""
    sub = _subscription(token)
    form = TokenForm()
    name = alerts.target_name(sub.scope, sub.target, current_language())
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        alerts.confirm(sub)
    return render_template("follow/confirm.html", form=form, name=name,
                           confirmed=sub.confirmed_at is not None, token=token)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client's one-click POST carries no cookie and no token
def unsubscribe(token: str):
    """GET: a page with a button. POST (the button, or a mail client's one-click): unsubscribe.

    The secret token in the URL is what authorizes it; an unknown token is a 404 (an address
    already removed, or a link that never existed).
    """
    if request.method == "GET":
        sub = _subscription(token)
        return render_template("follow/unsubscribe.html", done=False, token=token,
                               name=alerts.target_name(sub.scope, sub.target, current_language()))
    sub = alerts.by_token(token)
    if sub is not None:
        alerts.unsubscribe(sub)
    # Answered the same whether it existed or not: the page tells nothing about an address.
    return render_template("follow/unsubscribe.html", done=True, token=token, name="")
