"""Error codes of process definitions and the engine, migrations, incidents and process
instances (`egov.error_codes`)."""

from __future__ import annotations

from egov.error_codes.code import Code, codes

CODES: dict[str, Code] = {
    # -- process definitions and the engine ------------------------------------------------------
    **codes(
        "processes",
        422,
        bpmn_invalid="The BPMN/DMN bundle cannot be compiled.",
        bpmn_unsupported="The bundle uses a BPMN construct egov does not run (invalid_params).",
        script_invalid="A script or expression breaks the sandbox's rules (invalid_params: where).",
        procedure_invalid="The bundle's procedure.json misses fields.",
        bescheid_incomplete="A Bescheid's template lacks a required part (invalid_params: file).",
        org_unit_unknown="An org unit named by the bundle or request does not exist.",
        bundle_not_text="A file of the bundle is not UTF-8 text.",
        bundle_archive_invalid="A ZIP/multipart bundle is unreadable, too big or escapes it.",
        activation_reason_missing="Activating a version needs a reason (at most 2000 chars).",
        modeler_procedure_missing="A new process from Camunda Modeler lacks its procedure.json.",
        letter_placeholder_unknown="A letter template names a variable the process cannot have.",
    ),
    **codes(
        "processes",
        404,
        definition_not_found="No process definition version with this id.",
        definition_file_not_found="The version has no file of this name.",
    ),
    **codes(
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
    **codes(
        "triage",
        None,
        triage_csv_invalid="A labelled CSV (id,text,org_unit) is refused (column, unit, line).",
        triage_model_invalid="A triage model artifact is missing, unreadable or its file changed.",
        triage_training_too_small="Too few labelled rows per org unit to train a model.",
    ),
    **codes(
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
    **codes(
        "migration",
        404,
        definition_not_found="No such process definition (version).",
        migration_not_found="No such migration (batch).",
    ),
    **codes(
        "migration",
        422,
        migration_process_mismatch="Source and target version belong to different processes.",
        migration_instruction_invalid="An instruction names an element that the version lacks.",
        migration_too_many="More instances than one migration or dry run takes.",
    ),
    **codes(
        "migration",
        409,
        migration_running="The migration has not finished yet.",
        migration_not_held="The migration has no instances waiting for a second admin.",
    ),
    **codes(
        "migration",
        None,
        element_unmapped="An element of the instance has no target in the plan (instance refused).",
        variable_missing="A form of the target needs a variable the instance lacks (refused).",
        process_mismatch="The instance runs another process than the plan's (refused).",
        instance_finished="The instance has already ended (refused).",
        definition_mismatch="The instance does not run on the plan's source version (refused).",
        migration_failed="Migrating the instance failed unexpectedly (instance untouched).",
        instance_moved="The instance changed after its migration; it is not reversed.",
        migration_attempts_exhausted="Every run on the instance killed its worker; failed, "
        "incident open.",
    ),
    # -- incidents -----------------------------------------------------------------------------
    **codes("incidents", 404, incident_not_found="No such incident."),
    **codes(
        "incidents",
        None,
        correlation_case_unknown="An inbound message names no known case (kept, incident).",
        correlation_nothing_waiting="Nothing in the case's process waits for the message.",
    ),
    **codes(
        "incidents",
        409,
        incident_not_open="The incident is not open (any more).",
        incident_not_retryable="The incident concerns nothing that can run again.",
    ),
    **codes("incidents", 400, resolution_note_missing="Resolving by hand needs a note."),
    # -- process instances (operators' commands, docs/operations.md) -------------------------
    **codes(
        "process instances",
        409,
        instance_suspended="The process instance is suspended: its tasks wait until resumed.",
        instance_cancelled="The process instance was cancelled.",
        instance_state_conflict="The command does not fit the instance's state.",
        instance_not_failed="The instance has no failed step to restart.",
        four_eyes_own_request="Four eyes: the admin who requested the command cannot confirm it.",
    ),
    **codes("process instances", 400, instance_reason_missing="The command needs a reason."),
}
