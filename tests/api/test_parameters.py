"""Paging parameters answer as documented however large they are: a limit is lowered to its cap,
an offset or page past MAX_POSITION is refused with a message that states that rule, and a value
that is no whole number (or too small) says so."""

import pytest

from crm.core.listing import MAX_POSITION

LISTS = ["/api/v1/crm/deals", "/api/v1/crm/companies", "/api/v1/crm/contacts", "/api/v1/crm/members"]
HUGE = ["99999999999999", "1" + "0" * 30, "9" * 5000]


@pytest.fixture
def activities(api, make_deal) -> str:
    return f"/api/v1/crm/deals/{make_deal()['id']}/activities"


def refused(response, name: str, problem: str) -> None:
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "invalid_parameter",
                                            "message": f"Query parameter '{name}' {problem}.",
                                            "fields": {name: f"{problem}."}}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit, used", [(huge, 200) for huge in HUGE] + [("201", 200), ("000000000000000000007", 7)])
def test_a_list_limit_above_the_cap_is_lowered_to_it_however_large(api, path, limit, used):
    response = api.get(path, query_string={"limit": limit})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["limit"] == used


@pytest.mark.parametrize("limit", HUGE + ["101"])
def test_an_activity_limit_above_the_cap_is_lowered_to_it_however_large(api, activities, limit):
    response = api.get(activities, query_string={"limit": limit})

    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["activities"]) == 1


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_up_to_the_maximum_answers_an_empty_page(api, path):
    response = api.get(path, query_string={"offset": str(MAX_POSITION)})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["items"] == []
    assert response.get_json()["offset"] == MAX_POSITION


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("offset", [str(MAX_POSITION + 1)] + HUGE)
def test_an_offset_past_the_maximum_is_refused_with_the_rule(api, path, offset):
    refused(api.get(path, query_string={"offset": offset}), "offset", f"must be at most {MAX_POSITION}")


def test_a_page_up_to_the_maximum_answers_no_activities(api, activities):
    response = api.get(activities, query_string={"page": str(MAX_POSITION), "limit": "100"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"activities": [], "total": 1}


@pytest.mark.parametrize("page", [str(MAX_POSITION + 1)] + HUGE)
def test_a_page_past_the_maximum_is_refused_with_the_rule(api, activities, page):
    refused(api.get(activities, query_string={"page": page}), "page", f"must be at most {MAX_POSITION}")


@pytest.mark.parametrize("value", ["-1", "1.5", "1e3", "abc", "١٢", " 3"])
@pytest.mark.parametrize("name, minimum", [("limit", 1), ("offset", 0)])
@pytest.mark.parametrize("path", LISTS)
def test_a_list_parameter_that_is_no_whole_number_says_so(api, path, name, minimum, value):
    refused(api.get(path, query_string={name: value}), name, f"must be a whole number of at least {minimum}")


@pytest.mark.parametrize("name, value", [("limit", "0"), ("page", "0"), ("page", "-2"), ("limit", "x")])
def test_an_activity_parameter_below_its_minimum_says_so(api, activities, name, value):
    refused(api.get(activities, query_string={name: value}), name, "must be a whole number of at least 1")
