"""The public board in Chromium at 360 px, signed out and with JavaScript off: a 404 until it is
published, then the ranking, the top 5 and the climbers on a page no wider than the phone, and
its PNG card. Screenshots (the page and the card) go to $BOARD_SHOTS."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from campaign.board import services
from campaign.extensions import db
from tests.test_board import empty_cache, national_url, province_url, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 360, 740


@pytest.fixture
def reader(browser):
    """A phone that never signed in, with JavaScript off, in the session's Chromium (a second
    Playwright in the same process refuses to start)."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=False, has_touch=True
    )
    yield context.new_page()
    context.close()


def save(name: str, data: bytes) -> None:
    folder = os.environ.get("BOARD_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(data)


def test_a_signed_out_phone_opens_the_published_board_and_its_card(world, live_server, reader):  # noqa: F811
    url = live_server + national_url(world.campaign)
    assert reader.goto(url).status == 404
    reader.context.clear_cookies()  # the 404 page, like every page with a form, has a session
    services.publish(world.admin, world.campaign, None)
    services.publish(world.coordinator, world.campaign, 92)
    db.session.commit()

    response = reader.goto(url)
    assert response.status == 200
    assert response.headers["cache-control"].replace(" ", "") in ("public,max-age=60", "max-age=60,public")
    assert reader.locator("h1").inner_text() == "Bảng xếp hạng các tỉnh, thành phố"
    assert reader.locator("#top-h + .ranklist li").count() == 5
    climbers = reader.locator("#climb-h + .ranklist li").all_inner_texts()
    assert [c.split()[-1] for c in climbers] == ["▲5", "▲2"]
    assert reader.evaluate("document.documentElement.scrollWidth") <= WIDTH  # nothing wider
    assert reader.context.cookies() == []  # a public page sets no cookie
    save("board-360.png", reader.screenshot(full_page=True))

    province = reader.goto(live_server + province_url(world.campaign))
    assert province.status == 200 and "Hạng 3/6 cả nước" in reader.locator("main").inner_text()
    assert reader.evaluate("document.documentElement.scrollWidth") <= WIDTH
    save("board-province-360.png", reader.screenshot(full_page=True))

    reader.goto(url)
    with reader.expect_response(lambda r: r.url.endswith("anh.png")) as image:
        reader.click("text=Ảnh bảng xếp hạng để chia sẻ (PNG)")
    card = image.value
    assert card.status == 200 and card.headers["content-type"] == "image/png"
    png = Image.open(io.BytesIO(card.body()))
    assert png.size == (1200, 630)
    save("card.png", card.body())
    highlighted = reader.request.get(url + "anh.png?noi-bat=92")
    assert highlighted.status == 200
    save("card-can-tho.png", highlighted.body())
