"""Browse and search: English and Chinese keywords, filters, sorting, cursors, visibility."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import new_key


@pytest.fixture
def market(make_user: Any, make_listing: Any) -> dict[str, Any]:
    seller = make_user("seller")
    items = {
        "bike": make_listing(seller, title="Vintage racing bicycle", price=50, city="Shanghai",
                             category="sports"),
        "camera": make_listing(seller, title="全新佳能单反相机套装", description="九成新，带两个镜头",
                               price=80, city="北京", category="electronics"),
        "books": make_listing(seller, title="Children's picture books", price=10,
                              city="Shanghai", category="books",
                              description="我家孩子读过的绘本故事书"),
        "lamp": make_listing(seller, title="Desk lamp", price=20, city="Hangzhou",
                             category="home"),
    }
    return {"seller": seller, **items}


def _ids(api: Any, query: str) -> list[int]:
    r = api().get(f"/api/v1/listings?{query}")
    assert r.status_code == 200, r.get_json()
    return [x["id"] for x in r.get_json()["items"]]


def test_english_keyword_inside_a_word(market: dict[str, Any], api: Any) -> None:
    assert _ids(api, "q=bicycle") == [market["bike"]["id"]]
    assert _ids(api, "q=RACING") == [market["bike"]["id"]]
    assert _ids(api, "q=cycl") == [market["bike"]["id"]]
    assert _ids(api, "q=bicycle lamp") == []


def test_chinese_word_inside_longer_chinese_text(market: dict[str, Any], api: Any) -> None:
    assert _ids(api, "q=单反相机") == [market["camera"]["id"]]
    assert _ids(api, "q=佳能单") == [market["camera"]["id"]]
    assert _ids(api, "q=绘本故事") == [market["books"]["id"]]  # in the description
    assert _ids(api, "q=相机") == [market["camera"]["id"]]  # 2 chars: LIKE fallback
    assert _ids(api, "q=自行车") == []


def test_edited_title_is_found_by_its_new_words(market: dict[str, Any], api: Any,
                                                admin: Any) -> None:
    lamp = market["lamp"]["id"]
    api(market["seller"]).patch(f"/api/v1/listings/{lamp}", json={"title": "台灯 reading light"})
    api(admin).post(f"/api/v1/admin/listings/{lamp}/approve")
    assert _ids(api, "q=reading") == [lamp]
    assert _ids(api, "q=Desk lamp") == []


def test_filters_and_sorting(market: dict[str, Any], api: Any) -> None:
    m = market
    assert _ids(api, "category=books") == [m["books"]["id"]]
    assert _ids(api, "city=shanghai&sort=price_asc") == [m["books"]["id"], m["bike"]["id"]]
    assert _ids(api, "min_price=15&max_price=60&sort=price_desc") == [m["bike"]["id"],
                                                                     m["lamp"]["id"]]
    assert _ids(api, "sort=newest") == [m["lamp"]["id"], m["books"]["id"], m["camera"]["id"],
                                        m["bike"]["id"]]
    assert api().get("/api/v1/listings?sort=cheapest").status_code == 422


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest"])
def test_cursor_pagination_visits_each_once(market: dict[str, Any], api: Any, sort: str) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        query = f"sort={sort}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = api().get(f"/api/v1/listings?{query}").get_json()
        seen += [x["id"] for x in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(market[k]["id"] for k in ("bike", "camera", "books", "lamp"))
    assert api().get("/api/v1/listings?cursor=@@@").status_code == 422


def test_only_active_listings_appear(make_user: Any, make_listing: Any, api: Any, admin: Any,
                                     place: Any) -> None:
    seller = make_user("seller")
    buyer = make_user("buyer", flower=100)
    made = {name: make_listing(seller, title=f"widget {name}", approve=name != "pending")
            for name in ("active", "pending", "rejected", "withdrawn", "hidden", "sold",
                         "reserved", "removed")}
    admin_api, seller_api = api(admin), api(seller)
    rej = admin_api.post(f"/api/v1/admin/listings/{made['rejected']['id']}/reject",
                         json={"reason": "blurry"})
    assert rej.status_code == 200 and rej.get_json()["status"] == "rejected"
    assert seller_api.post(f"/api/v1/listings/{made['withdrawn']['id']}/withdraw").status_code == 200
    for i in range(3):
        r = api(make_user(f"reporter{i}")).post(
            f"/api/v1/listings/{made['hidden']['id']}/reports", json={"reason": "spam"})
        assert r.status_code == 201
    oid = place(buyer, made["sold"]["id"]).get_json()["id"]
    seller_api.post(f"/api/v1/orders/{oid}/ship", json={"tracking_no": "SF1000000001"})
    api(buyer).post(f"/api/v1/orders/{oid}/confirm")
    assert place(buyer, made["reserved"]["id"]).status_code == 201
    admin_api.post(f"/api/v1/admin/listings/{made['removed']['id']}/remove", json={})
    for query in ("", "q=widget", "q=wid", "sort=price_asc", "category=sports"):
        assert _ids(api, query) == [made["active"]["id"]], query
    # others see no unpublished listing; the owner does
    assert api().get(f"/api/v1/listings/{made['pending']['id']}").status_code == 404
    assert seller_api.get(f"/api/v1/listings/{made['pending']['id']}").status_code == 200
    r = place(buyer, made["hidden"]["id"])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "listing_not_available"
    assert new_key()  # keeps the import honest
