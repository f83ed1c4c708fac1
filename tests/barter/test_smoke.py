from typing import Any


def test_smoke(make_user: Any, make_listing: Any, place: Any, api: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    listing = make_listing(seller)
    r = place(buyer, listing["id"])
    assert r.status_code == 201, r.get_json()
