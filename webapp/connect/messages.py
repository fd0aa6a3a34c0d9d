"""Organizers' tab /moderation/messages: the requests to connect, new first; mark read, archive."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..store.models import ConnectRequest
from ..store.moderation import MESSAGES, transition
from ..web.labels import page_number, status_tab
from ..web.roles import organizer_required
from .forms import StatusForm
from .mail import target_name
from .views import bp

STATUSES = {"new": _l("New"), "read": _l("Read"), "archived": _l("Archived")}
PER_PAGE = 50


@bp.app_template_global("waiting_requests")
def waiting_requests() -> int:
    """How many requests to connect wait unread (the moderation pages say so, with a link)."""
    return db.session.scalar(select(func.count()).select_from(ConnectRequest)
                             .where(ConnectRequest.status == "new")) or 0


@bp.get("/moderation/messages")
@organizer_required
def messages():
    status, refused = status_tab("new", STATUSES)
    if refused:
        return refused
    number, refused = page_number()
    if refused:
        return refused
    counts = dict(db.session.execute(select(ConnectRequest.status, func.count())
                                     .group_by(ConnectRequest.status)).all())
    page = db.paginate(select(ConnectRequest).where(ConnectRequest.status == status)
                       .options(selectinload(ConnectRequest.organization),
                                selectinload(ConnectRequest.report))
                       .order_by(ConnectRequest.created_at.desc(), ConnectRequest.id.desc()),
                       page=number, per_page=PER_PAGE, error_out=False)
    return render_template("connect/messages.html", pagination=page, status=status, statuses=STATUSES,
                           counts=counts, form=StatusForm(), target_name=target_name)


@bp.post("/moderation/messages/<id:id>/<any(read, archive, new):action>")
@organizer_required
def message_status(id: int, action: str):
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    req = db.session.get(ConnectRequest, id)
    if req is None:
        abort(404)
    before = transition(req, action, MESSAGES)
    db.session.commit()
    flash(_("Message marked as: %(status)s", status=STATUSES[req.status]))
    return redirect(url_for("connect.messages", status=before))
