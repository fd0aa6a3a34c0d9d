"""Sending a stored image (a report's photo, an organization's logo) from ``PHOTOS_DIR``."""

from __future__ import annotations

from flask import Response, current_app, send_from_directory

#: Public images may be cached briefly: a report or an organization can be unpublished, and
#: its image must then disappear soon.
PUBLIC_MAX_AGE = 300


def send_image(filename: str, *, private: bool = False) -> Response:
    """The stored image ``filename`` with its ETag/Last-Modified (304 on revalidation).

    Parameters
    ----------
    filename
        A name the app generated (``store.photos.NAME``); the caller checks it, and that the
        image may be shown, before calling.
    private
        For moderators' views of unpublished images: photos may show faces or houses, so
        ``private, no-store`` keeps them out of every cache. Otherwise ``public`` for
        ``PUBLIC_MAX_AGE`` seconds.

    Returns
    -------
    flask.Response
        The file (404 when it is missing), ``X-Content-Type-Options: nosniff`` so a browser
        never reads it as anything but its image type.
    """
    resp = send_from_directory(current_app.config["PHOTOS_DIR"], filename,
                               max_age=0 if private else PUBLIC_MAX_AGE)
    if private:
        resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
