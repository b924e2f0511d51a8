"""The API admits exactly the contract's customer ids (CUST_<1-12 digits>), in the
path, the body and batch items, and a refusal names the expected form.

Before, it accepted `[A-Za-z0-9_-]{1,64}`: `USER_1` was scored while the pipeline
and `engage forget` refused it.
"""

from __future__ import annotations

import pytest

BAD = ["USER_1", "cust_1", "CUST_", "CUST_1234567890123", "CUST_12a"]


def _names_the_form(response) -> bool:
    details = response.json()["detail"]
    return any("CUST_" in d["message"] and "digits" in d["message"] for d in details)


@pytest.mark.parametrize("bad", BAD)
def test_predict_refuses_ids_outside_the_contract(client, keys, bad) -> None:
    r = client.post("/predict", json={"customer_id": bad}, headers=keys.h())
    assert r.status_code == 422 and _names_the_form(r), r.text


@pytest.mark.parametrize("bad", BAD)
def test_customer_and_admin_routes_refuse_them_in_the_path(client, keys, bad) -> None:
    r = client.get(f"/customers/{bad}", headers=keys.h())
    assert r.status_code == 422 and _names_the_form(r), r.text
    r = client.delete(f"/admin/cache/{bad}", headers=keys.h("admin"))
    assert r.status_code == 422 and _names_the_form(r), r.text


def test_a_batch_item_with_a_foreign_id_is_refused(client, keys) -> None:
    items = [{"customer_id": "CUST_0000001"}, {"customer_id": "USER_1"}]
    r = client.post("/predict/batch", json={"requests": items}, headers=keys.h())
    assert r.status_code == 422 and _names_the_form(r), r.text


def test_a_contract_id_is_still_served(client, keys) -> None:
    r = client.post("/predict", json={"customer_id": "CUST_0000001"}, headers=keys.h())
    assert r.status_code == 200, r.text
