"""The citizen's Postfach (issue 17, docs/frontends.md): the letters and messages of their
cases, newest first and paged; one letter (opening it marks it read) with its PDF shown in
the page and a download link; the documents of a case, downloaded or, a PDF, shown in a
frame of this site; and the answer on a case with files attached (the Nachreichung of
missing documents). The same services as `GET /api/v1/me/messages`,
`/documents/{id}/content` and `POST /me/cases/{id}/messages`; another citizen's letter,
document or case is the 404 page."""

from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from egov.errors import Invalid, NotFound
from egov.identity.model import Principal
from egov.portal.cases import citizen
from egov.portal.views import bp
from egov.postfach.service import MAX_ATTACHMENTS, MAX_REPLY, Attachment
from egov.ui.access import CITIZENS, page_for
from egov.ui.pages import page_url, render, see_other
from egov.web import downloads
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.paging import page_request

PDF = "application/pdf"
# a PDF shown in a frame of our own pages: it loads nothing and only our pages may frame it
PREVIEW_POLICY = "default-src 'none'; frame-ancestors 'self'"
OCTET_STREAM = "application/octet-stream"


@bp.get("/postfach")
@page_for(CITIZENS)
def postfach() -> Response:
    """My letters and messages, newest first, one page."""
    found = container().postfach.messages(citizen(), page_request())
    return render(
        "portal/postfach/list.html",
        title=_("Postfach"),
        viewer=citizen(),
        messages=found.items,
        more=page_url(found.next_cursor),
    )


@bp.get("/postfach/<message_id>")
@page_for(CITIZENS)
def letter(message_id: str) -> Response:
    """One letter or message; a letter to me is marked read."""
    who = citizen()
    message = container().postfach.read(who, message_id)
    document = None
    if message.document_id is not None:
        try:
            document, _chunks = container().case_file.content(who, message.document_id)
        except NotFound:  # a letter to a statement's author: its document is the case's
            document = None
    return render(
        "portal/postfach/letter.html",
        title=message.subject,
        viewer=who,
        message=message,
        document=document,
        pdf=document is not None and document.media_type == PDF,
    )


@bp.get("/dokumente/<document_id>")
@page_for(CITIZENS)
def document(document_id: str) -> Response:
    """A document of my case, as a download."""
    return _content(citizen(), document_id, inline=False)


@bp.get("/dokumente/<document_id>/ansicht")
@page_for(CITIZENS)
def document_view(document_id: str) -> Response:
    """A PDF of my case for the frame of the letter's page (anything else: the download)."""
    return _content(citizen(), document_id, inline=True)


def _content(who: Principal, document_id: str, *, inline: bool) -> Response:
    found, chunks = container().case_file.content(who, document_id)
    response = Response(chunks, mimetype=found.media_type)
    disposition = downloads.attachment(found.filename)
    if inline and found.media_type == PDF:
        disposition = disposition.replace("attachment", "inline", 1)
        response.headers["Content-Security-Policy"] = PREVIEW_POLICY
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Disposition"] = disposition
    response.headers["Content-Length"] = str(found.size)
    return response


@bp.route("/antraege/<case_id>/antworten", methods=["GET", "POST"])
@page_for(CITIZENS)
@message_body
def reply(case_id: str) -> Response | BaseResponse:
    """Write to us on my case, with files (documents we asked for)."""
    egov, who = container(), citizen()
    found = egov.case_file.detail(who, case_id).case
    subject = request.form.get("subject", "").strip()
    body = request.form.get("body", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        files = [_attachment(f) for f in request.files.getlist("attachments") if f.filename]
        try:
            egov.postfach.reply(who, case_id, subject, body, files)
        except Invalid as refused:
            errors = _reply_errors(refused)
        else:
            return see_other(url_for("portal.case", case_id=case_id, gesendet=1))
    return render(
        "portal/postfach/reply.html",
        title=_("Nachricht schreiben"),
        viewer=who,
        case=found,
        subject=subject,
        body=body,
        errors=errors,
        max_files=MAX_ATTACHMENTS,
        max_reply=MAX_REPLY,
        max_megabytes=egov.settings.max_message_bytes // (1024 * 1024),
    )


def _attachment(upload: FileStorage) -> Attachment:
    return Attachment(upload.filename or "", upload.mimetype or OCTET_STREAM, upload.read())


def _reply_errors(refused: Invalid) -> dict[str, str]:
    """The refusal next to its field: the text, or the files (with the file's reason)."""
    names = [str(p.get("name", "")) for p in refused.invalid_params]
    if any(name.startswith("attachments") for name in names):
        reasons = "; ".join(str(p.get("reason", "")) for p in refused.invalid_params)
        return {
            "attachments": _("Eine Datei kann so nicht angenommen werden: %(why)s", why=reasons)
        }
    if refused.code == "message-invalid":
        return {
            "body": _("Bitte schreiben Sie eine Nachricht (höchstens %(n)s Zeichen).", n=MAX_REPLY)
        }
    raise refused
