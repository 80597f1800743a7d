"""Every stable error code egov answers or records, with its HTTP status and its meaning.

The one table of codes: `egov.web.problems` takes the HTTP status of a refusal from here,
`docs/errors.md` is generated from it (`egov error-docs`, egov/cli/processes.py), and a test
scans the source so that a code used in the code but missing here (or listed here but used
nowhere) fails the build.
`status` None: the code never reaches an HTTP client; it names an incident or a log line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    status: int | None
    meaning: str
    family: str  # the section of docs/errors.md


def _codes(family: str, status: int | None, **meanings: str) -> dict[str, Code]:
    return {name.replace("_", "-"): Code(status, text, family) for name, text in meanings.items()}


CODES: dict[str, Code] = {
    # -- generic -----------------------------------------------------------------------------
    **_codes(
        "generic",
        400,
        bad_request="The request is malformed (a parameter, the JSON body or its shape).",
        domain_error="A request could not be processed (base class; not raised as such).",
        invalid="The input is invalid (base class; subclasses name the field).",
    ),
    **_codes(
        "generic",
        404,
        not_found="Not found (base class of every *-not-found).",
        problem_type_not_found="GET /problems/<code> for a code egov does not list.",
    ),
    **_codes(
        "generic",
        403,
        forbidden="The caller's role or client may not do this.",
        insufficient_scope="A technical client lacks the OAuth scope the operation needs.",
    ),
    **_codes(
        "generic",
        409,
        conflict="The state changed meanwhile; load again (base class).",
        concurrent_update="Another request changed the same case or task at the same time.",
    ),
    **_codes("generic", 429, rate_limited="A rate limit is used up; try again after Retry-After."),
    **_codes(
        "generic",
        400,
        json_too_deep="A JSON body or the cursor nests arrays and objects deeper than the limit.",
        input_nul_byte="A path, query or header parameter or a JSON string holds a NUL character.",
        input_not_unicode="A JSON string holds a lone surrogate, which is no Unicode character.",
        input_invalid="The database refused a value as it is (e.g. too long); nothing was stored.",
        bad_cursor="The cursor is not a next_cursor of this list (edited, foreign or unreadable).",
        bad_limit="The page size `limit` is not a whole number from 1 to 200.",
    ),
    **_codes("generic", 422, value_too_long="A value is longer than egov can store (field named)."),
    **_codes(
        "generic",
        500,
        internal_error="Unexpected error; quote the correlation id.",
        schema_outdated="A column or table is missing: the schema is behind (run `egov migrate`).",
    ),
    **_codes(
        "generic",
        503,
        database_unavailable="The database is restarting or away; send again (Retry-After).",
    ),
    # -- command line (`egov`; one line `Fehler [code]: …`, never HTTP) ------------------------
    **_codes(
        "command line",
        None,
        cli_usage="The command was called wrongly (unknown command, option or argument).",
        cli_aborted="The command was interrupted (Ctrl-C).",
        cli_failed="The command refused (a click error without a code of its own).",
        settings_invalid="An EGOV_* variable holds a value of the wrong kind.",
        server_unreachable="No egov server answers at the URL the command uses.",
        dev_idp_off="The server runs without the development IdP: no dev tokens there.",
        broker_not_configured="`egov worker` needs EGOV_BROKER_URL.",
        port_in_use="`egov serve`: the host and port are taken (another egov running?).",
        dev_idp_in_production="EGOV_DEV_IDP=true with EGOV_ENV=production: refused.",
        oidc_config_invalid="The EGOV_OIDC_CONFIG file is missing or does not fit its schema.",
        bundle_org_unit_missing="A bundle's procedure.json names an org unit not yet created.",
    ),
    # -- routing (werkzeug) --------------------------------------------------------------------
    **_codes("routing", 405, method_not_allowed="The route does not take this HTTP method."),
    **_codes(
        "routing", 414, request_uri_too_large="The request target (path and query) is too long."
    ),
    **_codes(
        "routing",
        431,
        request_header_fields_too_large="The request has too many or too large header fields.",
    ),
    # -- authentication ----------------------------------------------------------------------
    **_codes(
        "authentication",
        401,
        token_missing="No bearer token (and no browser session).",
        token_malformed="The token is not a well-formed JWT.",
        token_signature_invalid="The token's signature does not verify.",
        token_algorithm_not_allowed="The token's algorithm is not allowed for its issuer.",
        token_issuer_invalid="The token comes from an issuer egov does not know.",
        token_audience_invalid="The token is not meant for egov (audience).",
        token_expired="The token has expired.",
        token_not_yet_valid="The token is not valid yet (nbf/iat in the future).",
        token_unknown_key="The token names a signing key its issuer does not publish.",
        token_claims_invalid="Required claims are missing or malformed.",
        token_scope_missing="The token lacks a scope its issuer requires.",
        token_role_not_allowed="The token claims a role its issuer may not grant.",
        token_keys_unavailable="The issuer's keys cannot be fetched just now.",
        unknown_user="The development IdP does not know this user.",
        invalid_credentials="The development IdP's login: wrong user name or password.",
        session_expired="The browser session has expired or was logged out.",
        reauthentication_required="A sensitive action needs a fresh login (login URL given).",
        signature_missing="An inbound message carries no callback signature.",
        signature_invalid="The inbound message's HMAC signature does not match.",
        signature_expired="The inbound message's signature timestamp is too old.",
        timestamp_invalid="The inbound message's signature timestamp is unreadable.",
        assertion_missing="A portal files for a citizen without the Egov-Applicant-Assertion.",
        assertion_invalid="The portal's applicant assertion is malformed, forged or another's.",
        assertion_expired="The applicant assertion has expired or lives longer than allowed.",
        assertion_audience_invalid="The applicant assertion is not meant for egov (audience).",
    ),
    **_codes(
        "authentication",
        403,
        on_behalf_not_allowed="The client is not configured to file on behalf of citizens.",
    ),
    **_codes(
        "authentication",
        400,
        redirect_not_allowed="A login's `next` is not a path on this site.",
        login_failed="The provider's answer to a login was refused (state, code, ID token).",
        login_state_invalid="The login's state is unknown, used or of another browser.",
    ),
    **_codes("authentication", 403, csrf_token_invalid="A session write lacks its CSRF token."),
    **_codes("authentication", 404, issuer_not_found="No browser login for this issuer."),
    **_codes("authentication", 503, login_unavailable="The identity provider cannot be reached."),
    # -- intake ------------------------------------------------------------------------------
    **_codes(
        "intake",
        400,
        xml_malformed="The message is not well-formed XML.",
        xml_forbidden_construct="A DTD, entity declaration or processing trick was refused.",
        xml_too_deep="The message nests deeper than the limit.",
        xml_too_many_elements="The message has more elements than the limit.",
        xml_too_many_attributes="An element, or the message, has more attributes than the limit.",
        xml_text_too_long="A text node (attachment content excepted) is longer than the limit.",
        schema_invalid="The message fails its container or standard's XSD.",
        fachdaten_invalid="The Fachdaten fail their procedure's XSD.",
        unknown_format="No registered format has this root element.",
        unknown_fachdaten="No Fachdaten schema is registered for this namespace.",
        attachment_hash_mismatch="An attachment's SHA-512 does not match its content.",
        attachment_size_mismatch="An attachment's declared size does not match its content.",
        attachment_invalid_base64="An attachment's content is not valid base64.",
        idempotency_key_invalid="The Idempotency-Key is empty, over 128 characters or not ASCII.",
        attachment_metadata_invalid="An attachment's file name or media type is refused.",
    ),
    **_codes(
        "intake", 413, message_too_large="The message or request body is over its size limit."
    ),
    **_codes("intake", 415, unsupported_media_type="The body's media type is not accepted."),
    **_codes(
        "intake",
        409,
        submission_conflict="The message UUID or Idempotency-Key was used with other content.",
        inbound_conflict="The Idempotency-Key of an inbound message was used with other content.",
        case_key_taken="An XBeteiligung 0401 names a plan id and Vorgangs-ID already filed.",
    ),
    **_codes(
        "intake",
        422,
        unknown_leistung="The message's Leistung (LeiKa key) is not offered as a procedure.",
        fachdaten_mismatch="The Fachdaten do not belong to the message's procedure.",
        assurance_level_too_low="The applicant's Vertrauensniveau is below the procedure's.",
        unknown_procedure="No such procedure (form path), or no Fachverfahren set up for it.",
        form_data_invalid="The JSON form's fields do not fit the procedure's Fachdaten.",
        follow_up_mismatch="A follow-up submission refers to a case of another procedure.",
        identifiers_missing="An XBeteiligung message lacks the plan id or Vorgangs-ID it needs.",
    ),
    **_codes("procedures", 404, procedure_not_found="No such procedure in the catalogue."),
    # -- participation -------------------------------------------------------------------------
    **_codes(
        "participation",
        404,
        participation_not_found="No such participation (a case of the procedure beteiligung).",
        statement_confirmation_not_found="The confirmation link of a statement is unknown.",
        statement_not_found="No such statement in this participation.",
        invitation_not_found="The answer link of a public body's invitation is unknown.",
    ),
    **_codes(
        "participation",
        409,
        weighing_incomplete="The report needs the period closed and every statement weighed.",
    ),
    **_codes(
        "participation",
        422,
        participation_closed="The participation's period has ended: no more statements.",
        participation_not_open="The participation's period has not begun.",
        statement_invalid="A statement's text, variant, location or attachments are refused.",
        statement_location_outside="A statement's location lies outside the plan's area.",
    ),
    # -- cases, tasks, Postfach ----------------------------------------------------------------
    **_codes(
        "cases",
        404,
        case_not_found="No such case, or not visible to the caller.",
        document_not_found="No such document, or not readable by the caller.",
        task_not_found="No such task, or not visible to the caller.",
        instance_not_found="The case has no process instance (or no such instance is visible).",
    ),
    **_codes(
        "cases",
        409,
        task_not_open="The task is no longer open.",
        task_claimed_by_other="Someone else has claimed the task.",
        task_not_ready="The engine no longer offers the task.",
    ),
    **_codes(
        "triage",
        409,
        triage_decision_required="A triage review task is completed by POST /tasks/{id}/triage.",
        triage_not_review_task="The task is no triage review task (nothing to confirm).",
        triage_decided="The suggestion of this review task has been decided already.",
    ),
    **_codes(
        "triage",
        422,
        triage_decision_invalid="A triage decision names no valid decision, unit or reason.",
    ),
    **_codes(
        "cases",
        422,
        form_invalid="A task's form data fail its JSON Schema.",
        data_invalid="Data cannot be stored as JSON.",
    ),
    **_codes(
        "cases",
        400,
        message_invalid="A Postfach reply is empty or too long.",
        case_status_invalid="A process set a status that is not a status name.",
    ),
    # -- process definitions and the engine ------------------------------------------------------
    **_codes(
        "processes",
        422,
        bpmn_invalid="The BPMN/DMN bundle cannot be compiled.",
        bpmn_unsupported="The bundle uses a BPMN construct egov does not run (invalid_params).",
        script_invalid="A script or expression breaks the sandbox's rules (invalid_params: where).",
        procedure_invalid="The bundle's procedure.json misses fields.",
        org_unit_unknown="An org unit named by the bundle or request does not exist.",
        bundle_not_text="A file of the bundle is not UTF-8 text.",
        bundle_archive_invalid="A ZIP/multipart bundle is unreadable, too big or escapes it.",
        activation_reason_missing="Activating a version needs a reason (at most 2000 chars).",
        modeler_procedure_missing="A new process from Camunda Modeler lacks its procedure.json.",
        letter_placeholder_unknown="A letter template names a variable the process cannot have.",
    ),
    **_codes(
        "processes",
        404,
        definition_not_found="No process definition version with this id.",
        definition_file_not_found="The version has no file of this name.",
    ),
    **_codes(
        "processes",
        409,
        script_failed="A script task or condition failed (incident, or 409 on completion).",
        definition_changed_concurrently="A deploy or activation raced another; try again.",
        script_time_limit="A script ran past its wall-clock or CPU limit (sandbox process ended).",
        script_memory_limit="A script exceeded the sandbox's memory cap or sent too big a result.",
        process_error="The engine failed to run the process (incident, or 409 on completion).",
        state_invalid="A stored engine state cannot be read.",
        step_limit="More automatic steps in a row than the limit.",
    ),
    **_codes(
        "triage",
        None,
        triage_csv_invalid="A labelled CSV (id,text,org_unit) is refused (column, unit, line).",
        triage_model_invalid="A triage model artifact is missing, unreadable or its file changed.",
        triage_training_too_small="Too few labelled rows per org unit to train a model.",
    ),
    **_codes(
        "processes",
        None,
        definition_missing="No process definition is deployed for the case's procedure.",
        operator_failed="A service task's operator failed.",
        operator_unknown="A service task names an operator that is not registered.",
        operator_params="A service task's operator lacks a parameter.",
        letter_template_invalid="A letter template name is not allowed.",
        letter_template_missing="The bundle has no such letter template.",
    ),
    # -- migration of running instances (issue 12) ----------------------------------------------
    **_codes(
        "migration",
        404,
        definition_not_found="No such process definition (version).",
        migration_not_found="No such migration (batch).",
    ),
    **_codes(
        "migration",
        422,
        migration_process_mismatch="Source and target version belong to different processes.",
        migration_instruction_invalid="An instruction names an element that the version lacks.",
        migration_too_many="More instances than one migration or dry run takes.",
    ),
    **_codes(
        "migration",
        409,
        migration_running="The migration has not finished yet.",
        migration_not_held="The migration has no instances waiting for a second admin.",
    ),
    **_codes(
        "migration",
        None,
        element_unmapped="An element of the instance has no target in the plan (instance refused).",
        variable_missing="A form of the target needs a variable the instance lacks (refused).",
        process_mismatch="The instance runs another process than the plan's (refused).",
        instance_finished="The instance has already ended (refused).",
        definition_mismatch="The instance does not run on the plan's source version (refused).",
        migration_failed="Migrating the instance failed unexpectedly (instance untouched).",
        instance_moved="The instance changed after its migration; it is not reversed.",
    ),
    # -- incidents -----------------------------------------------------------------------------
    **_codes("incidents", 404, incident_not_found="No such incident."),
    **_codes(
        "incidents",
        None,
        correlation_case_unknown="An inbound message names no known case (kept, incident).",
        correlation_nothing_waiting="Nothing in the case's process waits for the message.",
    ),
    **_codes(
        "incidents",
        409,
        incident_not_open="The incident is not open (any more).",
        incident_not_retryable="The incident concerns nothing that can run again.",
    ),
    **_codes("incidents", 400, resolution_note_missing="Resolving by hand needs a note."),
    # -- process instances (operators' commands, docs/operations.md) -------------------------
    **_codes(
        "process instances",
        409,
        instance_suspended="The process instance is suspended: its tasks wait until resumed.",
        instance_cancelled="The process instance was cancelled.",
        instance_state_conflict="The command does not fit the instance's state.",
        instance_not_failed="The instance has no failed step to restart.",
        four_eyes_own_request="Four eyes: the admin who requested the command cannot confirm it.",
    ),
    **_codes("process instances", 400, instance_reason_missing="The command needs a reason."),
    # -- directory ---------------------------------------------------------------------------
    **_codes(
        "directory",
        404,
        org_unit_not_found="No such org unit.",
        membership_not_found="No such membership.",
        deputy_not_found="No such Vertretung.",
    ),
    **_codes(
        "directory",
        409,
        org_unit_exists="The org unit exists already.",
        membership_exists="The person is a member of the unit already.",
        deputy_ended="The Vertretung has ended already.",
    ),
    **_codes(
        "directory",
        422,
        org_unit_invalid="An org unit key is not of the allowed form.",
        membership_invalid="A membership's role is unknown.",
        directory_input_invalid="A subject, name or e-mail address is malformed.",
        deputy_invalid="Nobody can be their own deputy.",
        deputy_period_invalid="A Vertretung's period is malformed, reversed or past.",
    ),
    # -- deliveries (incidents of kind `delivery`; never an HTTP answer) ------------------------
    **_codes(
        "deliveries",
        None,
        delivery_failed="A delivery failed (generic).",
        delivery_kind_unknown="No handler is registered for the outbox row's kind.",
        worker_crashed="The process delivering or running this died too often.",
        receiver_timeout="The Fachverfahren did not answer in time (retried).",
        receiver_unreachable="The Fachverfahren could not be reached (retried).",
        receiver_error="The Fachverfahren answered 5xx, 408, 425 or 429 (retried).",
        receiver_refused="The Fachverfahren refused the message (4xx).",
        receiver_tls="TLS with the Fachverfahren failed, e.g. an untrusted certificate (no retry).",
        fachverfahren_body_missing="The document to forward is missing.",
        fachverfahren_no_secret="The Fachverfahren's signing secret is not set.",
        fachverfahren_not_configured="No Fachverfahren is configured for the procedure.",
        webhook_timeout="A webhook subscriber did not answer in time (retried).",
        webhook_unreachable="A webhook subscriber could not be reached (retried).",
        webhook_error="A webhook subscriber answered 5xx, 408, 425 or 429 (retried).",
        webhook_refused="A webhook subscriber refused the event (4xx).",
        webhook_tls="TLS with a webhook subscriber failed, e.g. an untrusted certificate.",
        webhook_no_secret="A webhook subscriber's secret is not set.",
        webhook_payload_invalid="A webhook row has no event body.",
        webhook_unknown="The webhook subscriber was removed from EGOV_WEBHOOKS.",
        email_payload_invalid="A mail row has no valid recipient, subject or text.",
        smtp_temporary="The mail server answered 4xx (retried).",
        smtp_unreachable="The mail server could not be reached (retried).",
        smtp_timeout="The mail server did not answer in time (retried).",
        smtp_tls_failed="TLS with the mail server failed (retried).",
        smtp_recipient_refused="The mail server refused the recipient (5xx).",
        smtp_refused="The mail server refused the session or mail (5xx, e.g. 535).",
        smtp_not_supported="The mail server offers no STARTTLS or AUTH.",
        smtp_error="The mail server's AUTH methods do not fit.",
        dms_case_unknown="A DMS row names a case that does not exist.",
        dms_document_unknown="A DMS row names a document that does not exist.",
        dms_payload_invalid="A DMS row's payload is malformed.",
        dms_source_missing="A document's content is missing in egov's store.",
        dms_source_integrity="A document's content in egov's store has another hash.",
        dms_integrity="The DMS holds other bytes than were sent.",
        dms_name_exhausted="Every suffix of a document's file name is taken in its case folder.",
        dms_store_unavailable="The DMS cannot be reached or answered 5xx (retried).",
        dms_store_rejected="The DMS refused the document (auth, size, URL).",
        dms_store_integrity="The DMS store refused content whose hash did not match.",
    ),
}

# Codes built at run time (`f"{peer.code_prefix}-timeout"`, `f"dms-{store_code}"`, werkzeug's
# error names), which a scan of the source cannot find as literals.
COMPOSED = frozenset(
    {
        *(
            f"{peer}-{outcome}"
            for peer in ("receiver", "webhook")
            for outcome in ("timeout", "unreachable", "error", "refused", "tls")
        ),
        *(f"dms-{store}" for store in ("store-unavailable", "store-rejected", "store-integrity")),
        "method-not-allowed",
    }
)


def status_of(code: str) -> int | None:
    """The HTTP status of a code (None: unknown code, or one that never reaches HTTP)."""
    entry = CODES.get(code)
    return None if entry is None else entry.status
