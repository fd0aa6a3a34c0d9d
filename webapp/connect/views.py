"""Public views: the request-to-connect form of a published organization or initiative.

Anything not published is a plain 404. A filled honeypot answers like a success and stores
nothing; a valid request is stored, then forwarded by e-mail when configured (``mail.forward``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db, limiter
from ..store.models import ConnectRequest, Organization, Report
from ..store.queries import published
from ..web.i18n import current_language
from .forms import LIMITS, ConnectForm
from .mail import forward

bp = Blueprint("connect", __name__)


def _rate_limit() -> str:
    return current_app.config["CONNECT_RATE_LIMIT"]


def published_organization(org_id: int) -> Organization:
    org = db.session.scalars(select(Organization).where(Organization.id == org_id,
                                                        Organization.status == "published")).first()
    if org is None:
        abort(404)
    return org


def published_initiative(report_id: int) -> Report:
    report = db.session.scalars(published().where(Report.id == report_id,
                                                  Report.kind == "initiative")).first()
    if report is None:
        abort(404)
    return report


def _handle(target: dict, fields: dict):
    form = ConnectForm()
    if request.method == "POST" and form.website.data:
        # A bot filled the hidden field: answer exactly like a success, store nothing.
        return render_template("connect/thanks.html", target=target,
                               forwarded=bool(current_app.config.get("MAIL_SERVER"))), 200
    if form.validate_on_submit():
        req = ConnectRequest(sender_name=form.sender_name.data, reply_channel=form.reply_channel.data,
                             message=form.message.data, status="new", **fields)
        db.session.add(req)
        db.session.commit()
        # The thanks page says what really happened: sent on by e-mail, or kept for the organizers.
        return render_template("connect/thanks.html", target=target, forwarded=forward(req)), 200
    return render_template("connect/form.html", form=form, target=target, limits=LIMITS), \
        400 if request.method == "POST" else 200


@bp.route("/connect/organization/<id:id>", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def organization(id: int):
    org = published_organization(id)
    lang = current_language()
    name = (org.name_ar if lang == "ar" else org.name_en) or org.name_ar or org.name_en
    return _handle({"kind": "organization", "name": name, "url": None}, {"organization_id": org.id})


@bp.route("/connect/initiative/<id:id>", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def initiative(id: int):
    report = published_initiative(id)
    return _handle({"kind": "initiative", "name": report.title,
                    "url": url_for("public.report_detail", id=report.id)}, {"report_id": report.id})
