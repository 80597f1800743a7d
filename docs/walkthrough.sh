#!/usr/bin/env bash
# The core walkthrough against a running egov (`make run` in another terminal):
# erika files a Bürgerbudget proposal, anna and ben work their tasks, erika reads the Bescheid,
# the audit chain verifies; a second proposal over the cost limit is rejected with the rule named.
# Runs in any shell from the repository's folder. Needs curl and python3. Reads only:
#   EGOV      the egov command (default .venv/bin/egov)
#   EGOV_URL  the server (default: what `make run` wrote to var/egov.env)
# Tokens come from the server's development IdP (`egov dev-token`), case numbers from its answers.
set -euo pipefail
EGOV="${EGOV:-.venv/bin/egov}"
BASE=$("$EGOV" url)  # one line `Fehler [server-unreachable]: …` if no server answers
URL="$BASE/api/v1"

token() { "$EGOV" dev-token "$1" --url "$BASE"; }
ERIKA=$(token erika); ANNA=$(token anna); BEN=$(token ben)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
api() {  # api METHOD PATH TOKEN [JSON]
  local args=(-sS -f -X "$1" "$URL$2" -H "Authorization: Bearer $3")
  [ $# -ge 4 ] && args+=(-H "Content-Type: application/json" -d "$4")
  curl "${args[@]}"
}
work_task() {  # work_task TOKEN CASE_ID DATA_JSON
  local task
  task=$(api GET /tasks "$1" | json "[t['id'] for t in d['items'] if t['case_id']=='$2'][0]")
  api POST "/tasks/$task/claim" "$1" >/dev/null
  api POST "/tasks/$task/complete" "$1" "{\"data\": $3}" >/dev/null
}
propose() {  # propose COST FOLLOW_UP: prints the receipt
  api POST /applications "$ERIKA" "{\"procedure\": \"buergerbudget\", \"data\": {
    \"title\": \"Fahrradbügel am Holzmarkt\", \"description\": \"Zehn Fahrradbügel.\",
    \"location\": \"Holzmarkt\", \"category\": \"verkehr\", \"estimated_cost_eur\": $1,
    \"follow_up_cost_eur\": $2, \"public_space\": true, \"other_funding_available\": false}}"
}

echo "1. erika files a proposal at $BASE"
RECEIPT=$(propose 3200 500)
CASE=$(echo "$RECEIPT" | json "d['case_id']")
echo "   case $(echo "$RECEIPT" | json "d['case_reference']")"
echo "2. anna (Büro Bürgerbudget) confirms the formal check"
work_task "$ANNA" "$CASE" '{"formal_decision": "admissible"}'
echo "3. ben (Fachdienst Stadtplanung) confirms feasibility"
work_task "$BEN" "$CASE" '{"feasible": true, "cost_estimate_eur": 3600, "feasibility_note": "geeignet"}'
echo "4. erika reads her Postfach"
api GET /me/messages "$ERIKA" | json "[m['subject'] for m in d['items'] if m['case_id']=='$CASE']"
STATUS=$(api GET "/cases/$CASE" "$ANNA" | json "d['status']")
VALID=$(api GET "/cases/$CASE/events" "$ANNA" | json "d['verification']['valid']")
echo "   status=$STATUS audit_chain_valid=$VALID"
[ "$STATUS" = admitted_to_vote ] && [ "$VALID" = True ]

echo "5. a proposal over the cost limit"
CASE2=$(propose 4800 900 | json "d['case_id']")
work_task "$ANNA" "$CASE2" '{"formal_decision": "rejected"}'
LETTER=$(api GET /me/messages "$ERIKA" | json "[m['body'] for m in d['items'] if m['case_id']=='$CASE2'][0]")
echo "$LETTER" | grep -q "5.000 EUR" && echo "   rejection names the cost rule"
echo "walkthrough ok"
