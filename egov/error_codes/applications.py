"""Error codes of intake, participation, cases, tasks and the Postfach (see `egov.error_codes`)."""

from __future__ import annotations

from egov.error_codes.code import Code, codes

CODES: dict[str, Code] = {
    # -- intake ------------------------------------------------------------------------------
    **codes(
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
    **codes("intake", 413, message_too_large="The message or request body is over its size limit."),
    **codes("intake", 415, unsupported_media_type="The body's media type is not accepted."),
    **codes(
        "intake",
        409,
        submission_conflict="The message UUID or Idempotency-Key was used with other content.",
        inbound_conflict="The Idempotency-Key of an inbound message was used with other content.",
        case_key_taken="An XBeteiligung 0401 names a plan id and Vorgangs-ID already filed.",
    ),
    **codes(
        "intake",
        422,
        unknown_leistung="The message's Leistung (LeiKa key) is not offered as a procedure.",
        fachdaten_mismatch="The Fachdaten do not belong to the message's procedure.",
        assurance_level_too_low="The Vertrauensniveau is below the procedure's (or the round's).",
        unknown_procedure="No such procedure (form path), or no Fachverfahren set up for it.",
        form_data_invalid="The JSON form's fields do not fit the procedure's Fachdaten.",
        follow_up_mismatch="A follow-up submission refers to a case of another procedure.",
        identifiers_missing="An XBeteiligung message lacks the plan id or Vorgangs-ID it needs.",
    ),
    **codes("procedures", 404, procedure_not_found="No such procedure in the catalogue."),
    **codes(
        "open data",
        404,
        open_data_not_found="No such open dataset or format (GET /open-data lists them).",
    ),
    # -- participation -------------------------------------------------------------------------
    **codes(
        "participation",
        404,
        participation_not_found="No such participation (a case of the procedure beteiligung).",
        statement_confirmation_not_found="The confirmation link of a statement is unknown.",
        statement_not_found="No such statement in this participation.",
        invitation_not_found="The answer link of a public body's invitation is unknown.",
    ),
    **codes(
        "participation",
        400,
        crs_unsupported="The crs asked of the public API is no EPSG CRS that egov knows.",
    ),
    **codes(
        "participation",
        409,
        weighing_incomplete="The report needs the period closed and every statement weighed.",
    ),
    **codes(
        "participation",
        410,
        statement_confirmation_used="The confirmation link of a statement was used already.",
        statement_confirmation_expired="The confirmation link of a statement has expired.",
    ),
    **codes(
        "participation",
        422,
        participation_closed="The participation's period has ended: no more statements.",
        participation_not_open="The participation's period has not begun.",
        statement_invalid="A statement's text, variant, location or attachments are refused.",
        statement_location_outside="A statement's location lies outside the plan's area.",
        statement_anonymous_not_allowed="An anonymous statement (XFall, method keine) where "
        "the participation allows none.",
    ),
    # -- cases, tasks, Postfach ----------------------------------------------------------------
    **codes(
        "cases",
        404,
        case_not_found="No such case, or not visible to the caller.",
        document_not_found="No such document, or not readable by the caller.",
        message_not_found="No such Postfach message, or not addressed to the caller.",
        task_not_found="No such task, or not visible to the caller.",
        instance_not_found="The case has no process instance (or no such instance is visible).",
    ),
    **codes(
        "cases",
        409,
        task_not_open="The task is no longer open.",
        task_claimed_by_other="Someone else has claimed the task.",
        task_not_ready="The engine no longer offers the task.",
        case_already_decided="The application is decided (or closed): it cannot be withdrawn.",
        task_decision_own="Four eyes: the proposer (or their deputy) cannot approve it.",
        task_four_eyes_required="A four-eyes task is completed only by proposal and approval.",
        task_decision_not_pending="The task has no decision waiting for approval.",
    ),
    **codes("rights", 404, export_not_found="No data export of the caller with that id."),
    **codes(
        "rights",
        409,
        export_asynchronous="The account is too large for a direct export: POST /me/exports.",
        export_not_ready="The data export is still being packed.",
    ),
    **codes("rights", 410, export_expired="The data export's download time is over."),
    **codes(
        "triage",
        409,
        triage_decision_required="A triage review task is completed by POST /tasks/{id}/triage.",
        triage_not_review_task="The task is no triage review task (nothing to confirm).",
        triage_decided="The suggestion of this review task has been decided already.",
    ),
    **codes(
        "triage",
        422,
        triage_decision_invalid="A triage decision names no valid decision, unit or reason.",
    ),
    **codes(
        "cases",
        422,
        form_invalid="A task's form data fail its JSON Schema.",
        data_invalid="Data cannot be stored as JSON.",
    ),
    **codes(
        "cases",
        400,
        message_invalid="A Postfach reply is empty or too long, or one of its files is refused.",
        case_status_invalid="A process set a status that is not a status name.",
    ),
    # -- retention -----------------------------------------------------------------------------
    **codes(
        "retention",
        409,
        legal_hold_exists="The case is held (Sperre) already.",
        legal_hold_missing="The case is not held, so there is no hold to release.",
    ),
    **codes(
        "retention",
        422,
        legal_hold_reason_invalid="A legal hold or its release needs a reason (at most 500 chars).",
        xdomea_invalid="An archive's xdomea message is not the expected, schema-valid one.",
        archive_offer_unknown="An archive's 0502/0504/0506/0507 names no record egov offered "
        "or handed over under its ProzessID.",
    ),
    # -- Bürgerbudget ----------------------------------------------------------------------------
    **codes(
        "buergerbudget",
        404,
        round_not_found="No Bürgerbudget round of that year.",
        ballot_not_found="The caller has cast no ballot in that round.",
    ),
    **codes(
        "buergerbudget",
        409,
        round_exists="A Bürgerbudget round of that year exists already.",
        round_opened="The round has opened for submissions: only its safe fields may change.",
        round_vote_started="The round's vote has begun: its vote fields no longer change.",
        vote_not_open="The round's vote is not open (before it opens or after it closed).",
        vote_not_closed="The round's vote has not closed yet: no tally before.",
        offline_votes_missing="No offline votes are entered for that proposal.",
        offline_votes_confirmed="Those offline votes are confirmed already and do not change.",
        offline_votes_own_entry="Four eyes: who entered offline votes does not confirm them.",
        result_not_proposed="No result of the round is proposed to confirm or reject.",
        result_confirmed="The round's result is confirmed and recorded; it does not change.",
        result_tally_changed="The tally changed since the result was proposed: propose again.",
    ),
    **codes(
        "buergerbudget",
        422,
        round_invalid="A round's figures or dates are missing or do not fit together.",
        ballot_invalid="A ballot names a proposal twice, one not admitted, or too many.",
    ),
    # -- Bürgerbudget: allocation and implementation --------------------------------------------
    **codes(
        "buergerbudget",
        404,
        implementation_not_found="No implementation of that proposal the caller may change.",
        milestone_not_found="The implementation has no milestone with that id.",
        photo_not_found="No photo of an implementation with that id.",
        proposal_not_found="The round's list has no proposal at that place (portal page).",
    ),
    **codes(
        "buergerbudget",
        409,
        implementation_closed="The implementation is closed: it no longer changes.",
    ),
    **codes(
        "buergerbudget",
        422,
        implementation_invalid="A milestone, cost or photo of an implementation is invalid.",
    ),
}
