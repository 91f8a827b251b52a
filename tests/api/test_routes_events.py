"""Happy paths of cases and events: open, append, If-Match, idempotency, the trail's filters and paging."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.support import application, assert_problem, assigned, bearer, missed, open_case, opened


def test_open_a_case(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    response = api_client.post("/v1/cases", json=opened("C-1"), headers=bearer(api_tokens["specialist"]))
    assert response.status_code == 201
    assert response.headers["location"] == "/v1/cases/C-1" and response.headers["etag"] == '"1"'
    event = response.json()["events"][0]
    assert (event["type"], event["version"], event["position"]) == ("case_opened", 1, 1)
    # The service's default zone is written into a case_opened that names none (CONTRACT §1).
    assert event["data"]["timezone"] == "America/New_York"


def test_the_actor_is_the_token_never_the_body(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.get("/v1/cases/C-1/events", headers=bearer(api_tokens["specialist"]))
    assert {e["actor"]["id"] for e in response.json()["items"]} == {"specialist-1"}
    assert {e["actor"]["role"] for e in response.json()["items"]} == {"specialist"}
    forged = {**application("2026-07-02"), "actor": {"id": "someone-else", "role": "admin"}}
    response = api_client.post("/v1/cases/C-1/events", json=forged, headers=bearer(api_tokens["specialist"]))
    assert assert_problem(response, 422)["errors"][0]["loc"] == "events[0].actor"


def test_append_a_batch_with_if_match(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    headers = bearer(api_tokens["specialist"], **{"If-Match": '"2"'})
    batch = {"events": [missed("2026-01-01"), application("2026-07-02")]}
    response = api_client.post("/v1/cases/C-1/events", json=batch, headers=headers)
    assert response.status_code == 201
    assert response.headers["etag"] == '"4"'
    assert [e["version"] for e in response.json()["events"]] == [3, 4]
    assert response.json()["replayed"] is False


def test_a_single_event_is_a_batch_of_one(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"),
                               headers=bearer(api_tokens["specialist"], **{"If-Match": 'W/"2"'}))
    assert response.status_code == 201 and response.json()["version"] == 3


def test_idempotent_retry_returns_the_original_events(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    headers = bearer(api_tokens["specialist"], **{"Idempotency-Key": "dialer-42"})
    first = api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=headers)
    again = api_client.post("/v1/cases/C-1/events", json=application("2026-07-02"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["events"] == first.json()["events"]
    trail = api_client.get("/v1/cases/C-1/events", headers=bearer(api_tokens["specialist"])).json()["items"]
    assert len(trail) == 3


def _seed(client: TestClient, specialist: str) -> None:
    open_case(client, specialist, "C-1")
    events = [missed("2026-01-01"), missed("2026-02-01"), application("2026-07-02"),
              {"type": "contact_logged", "occurred_at": "2026-07-03T10:00:00-04:00",
               "data": {"channel": "phone", "direction": "outbound", "outcome": "no_answer", "party": "borrower",
                        "staff_id": "S-1"}}]
    assert client.post("/v1/cases/C-1/events", json={"events": events}, headers=bearer(specialist)).status_code == 201


def test_trail_filters(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    headers = bearer(api_tokens["compliance_officer"])

    def versions(query: str) -> list[int]:
        response = api_client.get(f"/v1/cases/C-1/events?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [e["version"] for e in response.json()["items"]]

    assert versions("") == [1, 2, 3, 4, 5, 6]
    assert versions("type=payment_missed") == [3, 4]
    assert versions("type=payment_missed&type=contact_logged") == [3, 4, 6]
    assert versions("actor=specialist-1") == [1, 2, 3, 4, 5, 6]
    assert versions("actor=nobody") == []
    assert versions("occurred_from=2026-07-01&occurred_to=2026-07-02") == [5]
    assert versions("recorded_from=2026-07-10T15:00:00Z&recorded_to=2026-07-10T15:00:00Z") == [1, 2, 3, 4, 5, 6]
    assert versions("recorded_to=2026-07-10T14:59:59Z") == []


def test_trail_paging(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    headers = bearer(api_tokens["specialist"])
    first = api_client.get("/v1/cases/C-1/events?limit=4", headers=headers).json()
    assert [e["version"] for e in first["items"]] == [1, 2, 3, 4] and first["next_after"] == 4
    rest = api_client.get("/v1/cases/C-1/events?limit=4&after=4", headers=headers).json()
    assert [e["version"] for e in rest["items"]] == [5, 6] and rest["next_after"] is None


def test_as_known_at_shows_the_case_as_the_log_knew_it(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    headers = bearer(api_tokens["specialist"])
    known = api_client.get("/v1/cases/C-1/events?as_known_at=2026-07-10T15:00:00%2B00:00", headers=headers)
    assert len(known.json()["items"]) == 6
    before = api_client.get("/v1/cases/C-1/events?as_known_at=2026-07-10T14:00:00Z", headers=headers)
    assert_problem(before, 404)  # the case was not yet known an hour earlier


def test_naive_timestamps_in_filters_are_refused(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    response = api_client.get("/v1/cases/C-1/events?recorded_from=2026-07-10T15:00:00",
                              headers=bearer(api_tokens["specialist"]))
    assert assert_problem(response, 422)["errors"][0]["loc"] == "query.recorded_from"


def test_audit_query_across_cases(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    open_case(api_client, api_tokens["specialist"], "C-2")
    headers = bearer(api_tokens["compliance_officer"])
    page = api_client.get("/v1/audit/events?type=case_opened", headers=headers).json()
    assert [(e["case_id"], e["position"]) for e in page["items"]] == [("C-1", 1), ("C-2", 7)]
    first = api_client.get("/v1/audit/events?limit=3", headers=headers).json()
    assert [e["position"] for e in first["items"]] == [1, 2, 3] and first["next_after"] == 3
    later = api_client.get("/v1/audit/events?after=3&case_id=C-2", headers=headers).json()
    assert [e["position"] for e in later["items"]] == [7, 8] and later["next_after"] is None


def test_case_summary(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    _seed(api_client, api_tokens["specialist"])
    response = api_client.get("/v1/cases/C-1?as_of=2026-07-06", headers=bearer(api_tokens["manager"]))
    assert response.status_code == 200 and response.headers["etag"] == '"6"'
    summary = response.json()
    assert (summary["team"], summary["manager_id"], summary["status"], summary["version"]) == ("east", "M-1", "open", 6)
    assert summary["as_of"] == "2026-07-06" and summary["calendar"] == "us-6103a"
    assert summary["clocks"]["open"] >= 1  # lm_ack_notice runs from the 2026-07-02 application


def test_case_list_filters_and_paging(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    specialist = api_tokens["specialist"]
    for case_id, state in (("C-1", "NY"), ("C-2", "CA"), ("C-3", "NY")):
        open_case(api_client, specialist, case_id, state=state)
    closing = {"type": "case_closed", "occurred_at": "2026-07-09", "data": {"reason": "cured"}}
    api_client.post("/v1/cases/C-3/events", json=closing, headers=bearer(specialist))
    headers = bearer(api_tokens["compliance_officer"])

    def ids(query: str) -> tuple[list[str], str | None]:
        page = api_client.get(f"/v1/cases?{query}", headers=headers).json()
        return [c["case_id"] for c in page["items"]], page["next_after"]

    assert ids("") == (["C-1", "C-2", "C-3"], None)
    assert ids("state=NY") == (["C-1", "C-3"], None)
    assert ids("status=closed") == (["C-3"], None)
    assert ids("team=east&manager=M-1&status=open") == (["C-1", "C-2"], None)
    assert ids("limit=2") == (["C-1", "C-2"], "C-2")
    assert ids("limit=2&after=C-2") == (["C-3"], None)
    assert ids("team=west") == ([], None)
    response = api_client.get("/v1/cases?after=C-404", headers=headers)
    assert assert_problem(response, 422)["errors"][0]["loc"] == "query.after"


def test_reassignment_moves_the_case_between_teams(api_client: TestClient, api_tokens: dict[str, str]) -> None:
    open_case(api_client, api_tokens["specialist"], "C-1")
    response = api_client.post("/v1/cases/C-1/events", json=assigned("west"), headers=bearer(api_tokens["specialist"]))
    assert_problem(response, 403)  # a specialist assigns only to their own team
    assert api_client.get("/v1/cases/C-1", headers=bearer(api_tokens["manager"])).status_code == 200
