"""`GET /tasks` narrowed as the workspace's tabs and filters narrow it (egov.workflow.
inbox_filter): `view` (units, mine, unclaimed, overdue), `procedure`, `status`, `q`; never
wider than the inbox; a cursor of one filter is refused by another."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.test_task_context import file_proposal


def cases_listed(api: Api, query: str, user: str = "anna") -> set[str]:
    answer = api.get(f"/tasks?{query}", user)
    assert answer.status_code == 200, answer.get_json()
    return {t["case_id"] for t in answer.get_json()["items"]}


def task_of(api: Api, case_id: str) -> str:
    items = api.get("/tasks", "anna").get_json()["items"]
    return str(next(t["id"] for t in items if t["case_id"] == case_id))


def test_the_views_split_the_inbox_into_mine_and_unclaimed(api: Api) -> None:
    claimed, waiting = file_proposal(api), file_proposal(api)
    assert api.post(f"/tasks/{task_of(api, claimed)}/claim", "anna").status_code == 200

    assert cases_listed(api, "view=units") == {claimed, waiting}
    assert cases_listed(api, "view=mine") == {claimed}
    assert cases_listed(api, "view=unclaimed") == {waiting}
    assert cases_listed(api, "status=claimed") == {claimed}
    assert cases_listed(api, "view=overdue") == set()


def test_procedure_and_search_narrow_and_never_widen(api: Api) -> None:
    bench = file_proposal(api, title="Sitzbank am Teich")
    file_proposal(api, title="Trinkbrunnen am Markt")

    assert cases_listed(api, "q=TEICH") == {bench}
    assert cases_listed(api, "q=%25") == set()  # % is taken literally
    assert cases_listed(api, "procedure=buergerbudget&q=teich") == {bench}
    assert cases_listed(api, "procedure=bauantrag") == set()
    assert cases_listed(api, "q=teich", user="ben") == set()  # another unit's clerk


def test_a_cursor_fits_only_its_filter(api: Api) -> None:
    for _ in range(2):
        file_proposal(api)
    first = api.get("/tasks?view=unclaimed&limit=1", "anna").get_json()

    other = api.get(f"/tasks?view=units&limit=1&cursor={first['next_cursor']}", "anna")
    same = api.get(f"/tasks?view=unclaimed&limit=1&cursor={first['next_cursor']}", "anna")

    assert other.status_code == 400 and same.status_code == 200


def test_an_unknown_view_is_refused(api: Api) -> None:
    answer = api.get("/tasks?view=everything", "anna")

    assert (answer.status_code, answer.get_json()["code"]) == (400, "bad-request")
