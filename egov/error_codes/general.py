"""Error codes: the generic ones, the command line, routing, authentication and the web pages
(`egov.error_codes`)."""

from __future__ import annotations

from egov.error_codes.code import Code, codes

CODES: dict[str, Code] = {
    # -- generic -----------------------------------------------------------------------------
    **codes(
        "generic",
        400,
        bad_request="The request is malformed (a parameter, the JSON body or its shape).",
        domain_error="A request could not be processed (base class; not raised as such).",
        invalid="The input is invalid (base class; subclasses name the field).",
    ),
    **codes(
        "generic",
        404,
        not_found="Not found (base class of every *-not-found).",
        problem_type_not_found="GET /problems/<code> for a code egov does not list.",
    ),
    **codes(
        "generic",
        403,
        forbidden="The caller's role or client may not do this.",
        insufficient_scope="A technical client lacks the OAuth scope the operation needs.",
    ),
    **codes(
        "generic",
        409,
        conflict="The state changed meanwhile; load again (base class).",
        concurrent_update="Another request changed the same case or task at the same time.",
    ),
    **codes("generic", 429, rate_limited="A rate limit is used up; try again after Retry-After."),
    **codes(
        "generic",
        400,
        json_too_deep="A JSON body or the cursor nests arrays and objects deeper than the limit.",
        input_nul_byte="A path, query or header parameter or a JSON string holds a NUL character.",
        input_not_unicode="A JSON string holds a lone surrogate, which is no Unicode character.",
        input_invalid="The database refused a value as it is (e.g. too long); nothing was stored.",
        bad_cursor="The cursor is not a next_cursor of this list (edited, foreign or unreadable).",
        bad_limit="The page size `limit` is not a whole number from 1 to 200.",
    ),
    **codes("generic", 422, value_too_long="A value is longer than egov can store (field named)."),
    **codes(
        "generic",
        500,
        internal_error="Unexpected error; quote the correlation id.",
        schema_outdated="A column or table is missing: the schema is behind (run `egov migrate`).",
    ),
    **codes(
        "generic",
        503,
        database_unavailable="The database is restarting or away; send again (Retry-After).",
    ),
    # -- command line (`egov`; one line `Fehler [code]: …`, never HTTP) ------------------------
    **codes(
        "command line",
        None,
        cli_usage="The command was called wrongly (unknown command, option or argument).",
        cli_aborted="The command was interrupted (Ctrl-C).",
        cli_failed="The command refused (a click error without a code of its own).",
        round_verification_failed="A Bürgerbudget round's ballots or counts do not fit its chain.",
        settings_invalid="An EGOV_* variable holds a value of the wrong kind.",
        server_unreachable="No egov server answers at the URL the command uses.",
        dev_idp_off="The server runs without the development IdP: no dev tokens there.",
        broker_not_configured="`egov worker` needs EGOV_BROKER_URL.",
        port_in_use="`egov serve`: the host and port are taken (another egov running?).",
        dev_idp_in_production="EGOV_DEV_IDP=true with EGOV_ENV=production: refused.",
        open_data_export_failed="`egov open-data export DIR`: a file could not be written there.",
        oidc_config_invalid="The EGOV_OIDC_CONFIG file is missing or does not fit its schema.",
        bundle_org_unit_missing="A bundle's procedure.json names an org unit not yet created.",
    ),
    # -- routing (werkzeug) --------------------------------------------------------------------
    **codes("routing", 405, method_not_allowed="The route does not take this HTTP method."),
    **codes(
        "routing", 414, request_uri_too_large="The request target (path and query) is too long."
    ),
    **codes(
        "routing",
        431,
        request_header_fields_too_large="The request has too many or too large header fields.",
    ),
    # -- authentication ----------------------------------------------------------------------
    **codes(
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
    **codes(
        "authentication",
        403,
        on_behalf_not_allowed="The client is not configured to file on behalf of citizens.",
    ),
    **codes(
        "authentication",
        400,
        redirect_not_allowed="A login's `next` is not a path on this site.",
        login_failed="The provider's answer to a login was refused (state, code, ID token).",
        login_state_invalid="The login's state is unknown, used or of another browser.",
    ),
    **codes("authentication", 403, csrf_token_invalid="A session write lacks its CSRF token."),
    **codes("authentication", 404, issuer_not_found="No browser login for this issuer."),
    **codes("authentication", 503, login_unavailable="The identity provider cannot be reached."),
    # -- web pages (the portal and the workspace, docs/frontends.md; answered as HTML) --------
    **codes(
        "web pages",
        400,
        form_token_invalid="An HTML form came without this browser's CSRF token (old or forged).",
        search_too_long="A page's search term is longer than its limit (200 characters).",
    ),
}
