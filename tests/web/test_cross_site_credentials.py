"""The cross-site check follows the credential a request actually uses: the session cookie is in
charge unless a Bearer token with a value is sent, so an Authorization header of another scheme
(or an empty Bearer) cannot switch the check off for a cookie-authenticated write."""

import pytest

from tests.web.test_safety import CROSS_SITE, CROSS_SITE_IDS, WRITES, api_write, assert_unchanged

NOT_A_TOKEN = ["Basic dXNlcjpwYXNzd29yZA==", "Bearer ", "Bearer    ", "Token abc", "bearer"]


@pytest.mark.parametrize("headers", CROSS_SITE[:1] + CROSS_SITE[3:4], ids=CROSS_SITE_IDS[:1] + CROSS_SITE_IDS[3:4])
@pytest.mark.parametrize("authorization", NOT_A_TOKEN, ids=["basic", "empty-bearer", "blank-bearer", "other", "bare"])
@pytest.mark.parametrize("kind", WRITES)
def test_a_cookie_write_from_another_site_is_refused_whatever_else_authorization_says(
    web, make_deal, kind, authorization, headers
):
    deal = make_deal(name="Guarded deal")

    response = api_write(web.client, kind, deal, headers | {"Authorization": authorization})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "cross_site_request"
    assert_unchanged(web, deal)


@pytest.mark.parametrize("kind", WRITES)
def test_a_cross_site_write_with_a_valid_bearer_token_is_allowed_even_with_the_cookie(web, make_deal, kind):
    deal = make_deal(name="Token deal")
    headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
               "Authorization": f"Bearer {web.api.token}"}

    response = api_write(web.client, kind, deal, headers)  # the browser's client: it sends the cookie too

    assert response.status_code in (200, 201), response.get_json()
