"""The fleet table in a real browser (lane fleet-lists): the distribution's Chromium through Selenium, against a
real server on 127.0.0.1 started by the test (the browser and server fixtures of test_browser.py). The province
publishes policy version 7; a station still applying version 5 is shown behind, one applying 7 is not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.console.conftest import Console
from tests.console.test_browser import browser, check_page, console, shot, sign_in  # noqa: F401 (fixtures)
from tests.console.test_fleet import _beat

pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.webdriver.common.by import By


def test_a_station_on_an_older_policy_version_is_shown_behind(browser: Any, console: Console) -> None:  # noqa: F811
    from sync.server.lists import PublishedLists
    from tests import factories
    from tests.policy_helpers import bundle

    root, now = factories.ed25519(), console.clock.now()  # the server's clock: ages are counted from it
    PublishedLists(console.data_dir).publish("policy-bundle", bundle(root, version=7, issued=now - timedelta(hours=1)),
                                             [root.public_key()], now)
    core = [("trust-list", 3, timedelta(hours=1), timedelta(days=30)),
            ("revocation-list", 12, timedelta(hours=1), timedelta(days=6))]
    console.storage.record_heartbeat("ST-A", _beat(now, [*core, ("policy-bundle", 5, timedelta(days=3),
                                                                 timedelta(days=4)),
                                                         ("watch-list", 2, timedelta(days=8), -timedelta(hours=2))]),
                                     now)
    console.storage.record_heartbeat("ST-B", _beat(now, [*core, ("policy-bundle", 7, timedelta(hours=1),
                                                                 timedelta(days=7))]), now)
    sign_in(browser, console, "admin")
    browser.get(console.url + "/console/lang/en?back=/console/stations")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.fleet thead th")]
    assert "Policy" in headers and "Watch list" in headers
    row_a = browser.find_element(By.XPATH, "//table[@class='fleet']//tr[th//a[text()='ST-A']]")
    policy_a = row_a.find_element(By.CSS_SELECTOR, "td.policy")
    assert "v5" in policy_a.text and "age 3 d 0 h" in policy_a.text
    assert policy_a.find_element(By.CSS_SELECTOR, ".behind").text == "older than published v7"
    assert "BEHIND" in row_a.text and "flagged" in (row_a.get_attribute("class") or "")
    watch_a = row_a.find_element(By.CSS_SELECTOR, "td.watch")
    assert "v2" in watch_a.text and watch_a.find_element(By.CSS_SELECTOR, ".expired").text == "EXPIRED"
    row_b = browser.find_element(By.XPATH, "//table[@class='fleet']//tr[th//a[text()='ST-B']]")
    policy_b = row_b.find_element(By.CSS_SELECTOR, "td.policy")
    assert "v7" in policy_b.text and not policy_b.find_elements(By.CSS_SELECTOR, ".behind")
    assert row_b.find_element(By.CSS_SELECTOR, "td.watch").text == "-" and "BEHIND" not in row_b.text
    check_page(browser)  # the new cells and badges: labelled table, text contrast
    shot(browser, "fleet-lists")
