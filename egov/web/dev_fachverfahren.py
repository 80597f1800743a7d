"""The stub Fachverfahren's HTTP side (development only, see
egov/integrations/stub_fachverfahren.py): ``POST /dev-fachverfahren/<procedure>``.

No bearer token: like a real Fachverfahren it trusts the callback signature, which the stub
checks before anything else (401 otherwise)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.integrations.stub_fachverfahren import PREFIX, StubFachverfahren
from egov.web.edge import message_body

__all__ = ["PREFIX", "create_blueprint"]


def create_blueprint(stub: StubFachverfahren, max_bytes: int) -> Blueprint:
    bp = Blueprint("dev_fachverfahren", __name__)

    @bp.post("/<procedure>")
    @message_body
    def receive(procedure: str) -> Response:
        """A signed delivery of the Fachverfahren adapter; 200 with a receipt."""
        body = request.stream.read(max_bytes + 1)
        if len(body) > max_bytes:
            response = jsonify({"status": "refused", "code": "message-too-large"})
            response.status_code = 413
            return response
        status, answer = stub.receive(procedure, dict(request.headers), body)
        response = jsonify(answer)
        response.status_code = status
        return response

    return bp
