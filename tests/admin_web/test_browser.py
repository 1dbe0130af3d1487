"""The admin page in a real headless Chromium, against a real bot process.

The browser signs in through the Slack stand-in's Sign in with Slack, reads what an
administrator would read, and takes a screenshot of the statistics chart, in which the bars'
colours must be there: the chart is drawn, not only written into the HTML.

Needs Debian's `chromium` and `chromium-driver`; without them the test skips, unless
REQUIRE_CHROMIUM=1 (CI), where it fails.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from bot.admin_web.charts import BAR_COLOUR, FEW_COLOUR
from bot.core import clock
from bot.core.stats import StatKey, month_of
from bot.stores import open_store
from tests.admin_web.test_serving import admin_env
from tests.helpers.admin_page import ADMIN, PLACEHOLDER, write_directory
from tests.helpers.bot_process import BotProcess, free_port
from tests.helpers.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow

OUTCOME = "outcome:orosanmalan/anmalan"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.fixture
def chromium() -> Iterator[webdriver.Chrome]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        message = (
            "chromium or chromedriver not installed (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(message + " and REQUIRE_CHROMIUM=1")
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1600")
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield chrome
    finally:
        chrome.quit()


async def counted(store_url: str, data: Path) -> None:
    """Seven and three outcomes for Mora this month, before the bot starts."""
    store = open_store(store_url, data=data)
    month = month_of(clock.now())
    try:
        for group, times in (("unga", 7), ("barn", 3)):
            for _ in range(times):
                await store.increment(StatKey(month, "mora", group, OUTCOME))
    finally:
        await store.close()


async def test_an_admin_signs_in_with_slack_and_sees_the_page_and_its_chart(
    slack: SlackStandIn, tmp_path: Path, chromium: webdriver.Chrome
) -> None:
    store_url = f"sqlite:///{tmp_path / 'state.db'}"
    await counted(store_url, tmp_path)
    port = free_port()
    env = admin_env(port) | {"REFERRAL_DIRECTORY": str(write_directory(tmp_path))}
    bot = BotProcess(
        api_url=slack.api_url, store_url=store_url, log=tmp_path / "bot.log", env=env, port=port
    )
    slack.signin.user = ADMIN
    try:
        await bot.ready()
        # Selenium blocks: in a thread, so the stand-in on this loop can answer the sign-in
        await asyncio.to_thread(chromium.get, f"{bot.url}/admin")
        assert chromium.current_url == f"{bot.url}/admin"
        live = chromium.find_element(By.ID, "live").text
        assert "Version" in live and "kommuner" in live
        coverage = chromium.find_element(By.ID, "coverage").text
        assert "Mora kommun" in coverage and "äldre än 12 månader" in coverage
        chromium.find_element(By.CSS_SELECTOR, "#m-mora summary").click()
        assert PLACEHOLDER in chromium.find_element(By.ID, "m-mora").text
        stats = chromium.find_element(By.ID, "stats").text
        assert "<5" in stats and "7" in stats.split()
        assert "3" not in stats.split()
        chart = chromium.find_element(By.CSS_SELECTOR, "svg.chart")
        chromium.execute_script("arguments[0].scrollIntoView();", chart)
        png = chart.screenshot_as_png
    finally:
        bot.stop()
    (tmp_path / "chart.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {colour: n for n, colour in image.getcolors(image.width * image.height) or []}
    assert colours.get(_rgb(BAR_COLOUR), 0) > 1000  # the bar of 7: 300 px by 16 px
    assert colours.get(_rgb(FEW_COLOUR), 0) > 100  # the pale bar of "<5"
    white = colours.get((255, 255, 255), 0)
    assert white > image.width * image.height // 3  # and room around them
