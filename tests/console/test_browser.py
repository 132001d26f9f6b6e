"""The console in a real browser: the distribution's Chromium, driven through its chromedriver by Selenium,
against a real server on 127.0.0.1 (SQLite; the HTTP tests cover both backends). Skips with the reason where
Chromium or its driver is missing (``scripts/setup --for-tests`` installs them where it can).

One browser for the module, a few flows: sign-in and lock-out, a supervisor's view and URL tampering, a form
whose CSRF token was changed in the page, the day's figures, and an accessibility check of the main pages
(every field labelled, text contrast, keyboard use). ``CHECKPOINT_CONSOLE_SCREENSHOTS=DIR`` saves screenshots
of the main pages there (docs/console/ holds the committed ones).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.server.console.auth import MAX_FAILED
from tests.console.conftest import (
    KEY_PASSPHRASE,
    PASSWORD,
    SUPERVISOR_PEM,
    Console,
    start_console,
    stop_console,
)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SHOTS = os.environ.get("CHECKPOINT_CONSOLE_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=vi"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    except WebDriverException as e:
        pytest.skip(f"Chromium does not start here: {e.msg}")
    yield driver
    driver.quit()


@pytest.fixture
def console(tmp_path: Path, browser: Any) -> Iterator[Console]:
    c = start_console(tmp_path / "server", None)
    c.url = c.thread.url
    browser.delete_all_cookies()
    yield c
    stop_console(c)


def sign_in(browser: Any, console: Console, username: str, password: str = PASSWORD) -> None:
    browser.get(console.url + "/console/login")
    browser.find_element(By.ID, "username").send_keys(username)
    field = browser.find_element(By.ID, "password")
    field.send_keys(password)
    old = browser.find_element(By.TAG_NAME, "html")
    field.send_keys(Keys.ENTER)  # the keyboard submits the form
    wait(browser).until(lambda b: _gone(old))


def wait(browser: Any) -> Any:
    """Until a condition holds, across the moment the old page is replaced by the new one (30 s only bound a
    hang: Chromium on a loaded 2-core machine can take seconds for a page)."""
    return PageSwapWait(browser)


class PageSwapWait:
    """``WebDriverWait(...).until`` that tries again when an element found on the old page is read after it went:
    stale, missing, or, caught mid-swap, Chromium's "Node with given id does not belong to the document" (a bare
    WebDriverException, which CI met once in the CSRF test). Any other error still fails at once."""

    def __init__(self, browser: Any) -> None:
        self._wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,
                                                                     NoSuchElementException))

    def until(self, condition: Any) -> Any:
        def tolerant(b: Any) -> Any:
            try:
                return condition(b)
            except WebDriverException as e:
                if "does not belong to the document" not in str(e):
                    raise
                return False

        return self._wait.until(tolerant)


def _gone(element: Any) -> bool:
    try:
        element.tag_name  # noqa: B018 (touching it raises once the page was replaced)
    except WebDriverException:
        return True
    return False


def shot(browser: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def test_sign_in_and_lock_out(browser: Any, console: Console) -> None:
    shot_login = browser.get(console.url + "/console/login") or True
    assert shot_login and browser.find_element(By.TAG_NAME, "h1").text == "Đăng nhập"  # Vietnamese by default
    shot(browser, "sign-in")
    for _ in range(MAX_FAILED):
        sign_in(browser, console, "admin", "not the password")
    assert "khóa" in browser.find_element(By.ID, "sign-in-error").text  # locked
    sign_in(browser, console, "admin")  # the right password is refused while locked
    assert "/console/login" in browser.current_url and browser.find_elements(By.ID, "sign-in-error")
    sign_in(browser, console, "sup-a")
    assert browser.current_url.endswith("/console/stations")


def test_a_supervisor_cannot_reach_another_districts_station(browser: Any, console: Console) -> None:
    sign_in(browser, console, "sup-a")
    table = browser.find_element(By.CSS_SELECTOR, "table.fleet").text
    assert "ST-A" in table and "ST-B" not in table
    # an enrolment token for a new station of its district
    assert browser.find_element(By.ID, "district").get_attribute("readonly") is not None
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "hours").find_element(By.XPATH, "./ancestor::form//button").click()
    wait(browser).until(lambda b: _gone(old))
    assert browser.find_element(By.ID, "token").text.startswith("cpt_")
    browser.get(console.url + "/console/stations/ST-B")  # URL tampering
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Không tìm thấy")
    assert "Cau Giay" not in browser.page_source


def test_a_form_with_a_changed_csrf_token_is_refused(browser: Any, console: Console) -> None:
    sign_in(browser, console, "sup-a")
    browser.get(console.url + "/console/stations/ST-A")
    browser.execute_script("document.querySelector('form.danger input[name=csrf]').value = 'forged'")
    browser.find_element(By.ID, "confirm").click()
    browser.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait(browser).until(lambda b: "không hợp lệ" in b.find_element(By.TAG_NAME, "h1").text)
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is None
    browser.get(console.url + "/console/stations/ST-A")  # the page's own token works
    browser.find_element(By.ID, "confirm").click()
    browser.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait(browser).until(lambda b: "done=revoked" in b.current_url)
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is not None


def test_figures_and_english(browser: Any, console: Console) -> None:
    sign_in(browser, console, "admin")
    browser.get(console.url + "/console/lang/en?back=/console/figures")
    browser.get(console.url + "/console/figures?day=2021-07-24")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Figures 2021-07-24"
    tables = browser.find_elements(By.TAG_NAME, "table")
    assert len(tables) == 7  # with the origin levels and the vehicles (lane figures; no dispositions or rules here)
    assert "ST-A" in browser.page_source and "Ba Dinh" in browser.page_source
    shot(browser, "figures")


def test_a_supervisor_traces_and_opens_personal_data_with_the_key(browser: Any, console: Console) -> None:
    sign_in(browser, console, "sup-a")
    browser.get(console.url + "/console/trace")
    browser.find_element(By.ID, "id-number").send_keys("001085012345")  # "where did this id number cross"
    for field, value in (("since-i", "2021-07-24T00:00"), ("until-i", "2021-07-25T00:00")):
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, field), value)
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "key-i"), SUPERVISOR_PEM)
    browser.find_element(By.ID, "pass-i").send_keys(KEY_PASSPHRASE)
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "id-number").find_element(By.XPATH, "./ancestor::form//button").click()
    wait(browser).until(lambda b: _gone(old))
    table = browser.find_element(By.CSS_SELECTOR, "table.trace").text
    assert "Nguyễn Văn ST-A 3" in table and "ST-B" not in table  # its district's crossing only, opened
    assert "PRIVATE KEY" not in browser.page_source
    browser.execute_script("document.getElementById('results').scrollIntoView()")
    shot(browser, "trace")


def test_the_administrator_publishes_a_list_signed_elsewhere(browser: Any, console: Console, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from checkpoint.trust import keys
    from tests import factories

    root = factories.ed25519()
    (console.data_dir / "list-roots").mkdir()
    (console.data_dir / "list-roots" / "root.pem").write_bytes(keys.public_pem(root.public_key()))
    signed = tmp_path / "trust-list.cose"
    signed.write_bytes(factories.trust_list(root, version=5, issued=datetime.now(UTC) - timedelta(hours=1)))
    sign_in(browser, console, "admin")
    browser.get(console.url + "/console/lists")
    browser.find_element(By.ID, "file").send_keys(str(signed))
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "file").find_element(By.XPATH, "./ancestor::form//button").click()
    wait(browser).until(lambda b: _gone(old))
    assert "5" in browser.find_element(By.ID, "published").text, browser.find_element(By.TAG_NAME, "main").text
    shot(browser, "lists")


# -- lane console-ops: the Users page, the idle timeout -------------------------------------------------------
def test_the_administrator_adds_a_district_supervisor_who_sees_only_their_district(browser: Any,
                                                                                   console: Console) -> None:
    from selenium.webdriver.support.select import Select

    sign_in(browser, console, "admin")
    browser.find_element(By.LINK_TEXT, "Người dùng").click()  # from the menu
    wait(browser).until(lambda b: b.current_url.endswith("/console/users"))
    browser.find_element(By.ID, "new-username").send_keys("pham.dung")
    Select(browser.find_element(By.ID, "new-role")).select_by_value("supervisor")
    browser.find_element(By.ID, "new-district").send_keys("Cau Giay")
    browser.find_element(By.ID, "generate").click()  # a password made by the server, shown once
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "new-username").find_element(By.XPATH, "./ancestor::form//button").click()
    wait(browser).until(lambda b: _gone(old))
    password = browser.find_element(By.ID, "new-password").text
    assert len(password) >= 12 and "pham.dung" in browser.find_element(By.CSS_SELECTOR, "table.users").text
    shot(browser, "user-added")
    browser.delete_all_cookies()  # another tablet: the new supervisor signs in
    sign_in(browser, console, "pham.dung", password)
    table = browser.find_element(By.CSS_SELECTOR, "table.fleet").text
    assert "ST-B" in table and "ST-A" not in table  # Cau Giay's station only
    assert not browser.find_elements(By.LINK_TEXT, "Người dùng")  # no Users page in its menu


def test_a_district_supervisors_request_for_the_users_page_is_refused(browser: Any, console: Console) -> None:
    sign_in(browser, console, "sup-a")
    browser.get(console.url + "/console/users")  # URL tampering
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Bạn không có quyền")
    assert "admin" not in browser.find_element(By.TAG_NAME, "main").text
    browser.get(console.url + "/console/users/admin")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Bạn không có quyền")


def test_an_idle_session_is_signed_out_with_a_message(browser: Any, console: Console) -> None:
    # The server's clock is the test's (console.clock): moved on, not slept through.
    from datetime import timedelta

    sign_in(browser, console, "sup-a")
    assert browser.current_url.endswith("/console/stations")
    console.clock.advance(timedelta(minutes=29))
    browser.get(console.url + "/console/figures?day=2021-07-24")
    assert browser.current_url.endswith("/console/figures?day=2021-07-24")  # used within 30 minutes: still open
    console.clock.advance(timedelta(minutes=30))
    browser.get(console.url + "/console/stations")
    assert "/console/login" in browser.current_url
    assert "30 phút không sử dụng" in browser.find_element(By.ID, "idle-out").text
    assert browser.get_cookie("cp_session") is None  # the browser forgot it too
    shot(browser, "signed-out-idle")
    sign_in(browser, console, "sup-a")  # signing in again works
    assert browser.current_url.endswith("/console/stations")


# -- accessibility -----------------------------------------------------------------------------------------------
#: For each text element: its colour, the first opaque background behind it, its size and weight.
_CONTRAST_JS = """
function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; }
function lum(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
function bg(el) { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                  if (c[3] > 0.5) return c; } return [255, 255, 255, 1]; }
const out = [];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.offsetParent === null) continue;
  const st = getComputedStyle(el);
  const a = lum(rgb(st.color)), b = lum(bg(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && parseInt(st.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5))
    out.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
}
return out;
"""
_UNLABELLED_JS = """
return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => !(el.id && document.querySelector('label[for="' + el.id + '"]')) && !el.getAttribute('aria-label'))
  .map(el => el.name);
"""


def check_page(browser: Any) -> None:
    assert browser.execute_script(_UNLABELLED_JS) == [], "a field without a label"
    assert browser.execute_script(_CONTRAST_JS) == [], "text below WCAG AA contrast"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") in ("vi", "en")
    for table in browser.find_elements(By.TAG_NAME, "table"):
        assert table.find_elements(By.TAG_NAME, "caption") and table.find_elements(By.CSS_SELECTOR, "th[scope]")


def test_accessibility_of_the_main_pages(browser: Any, console: Console) -> None:
    browser.get(console.url + "/console/login")
    check_page(browser)
    # keyboard only: the name field has the focus, Tab goes on to the password, Enter sends the form
    assert browser.switch_to.active_element.get_attribute("id") == "username"
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "password"
    sign_in(browser, console, "admin")
    for path, name in (("/console/stations", "stations"), ("/console/stations/ST-A", "station"),
                       ("/console/figures?day=2021-07-24", None), ("/console/audit", "audit"),
                       ("/console/trace", None), ("/console/lists", None), ("/console/users", "users"),
                       ("/console/users/sup-a", None)):
        browser.get(console.url + path)
        check_page(browser)
        if name:
            shot(browser, name)
    browser.get(console.url + "/console/stations")
    focused = []
    for _ in range(12):  # every link and button is reachable with Tab, and shows its focus
        browser.switch_to.active_element.send_keys(Keys.TAB)
        el = browser.switch_to.active_element
        focused.append(el.tag_name)
        assert el.value_of_css_property("outline-style") != "none" or el.tag_name == "main"
    assert "button" in focused and "a" in focused


def test_a_supervisor_downloads_the_days_report_in_the_browser(browser: Any, console: Console,
                                                                tmp_path: Path) -> None:
    # The export itself, not only its link: the browser saves the day's CSV report where we say, and it holds
    # the supervisor's district's station and not the other district's (its manifest is checked over HTTP in
    # tests/console/test_cli_and_report.py).
    import time

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    sign_in(browser, console, "sup-a")
    browser.get(console.url + "/console/figures?day=2021-07-24")
    link = browser.find_element(By.CSS_SELECTOR, 'a[href$="/report.csv?day=2021-07-24"]')
    link.send_keys(Keys.ENTER)  # by keyboard, as an officer without a mouse would
    deadline = time.monotonic() + 30  # bounds a hang only
    while time.monotonic() < deadline and not [p for p in downloads.iterdir() if p.suffix == ".csv"]:
        time.sleep(0.1)
    [saved] = [p for p in downloads.iterdir() if p.suffix == ".csv"]
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("day,section,key,") and ",station,ST-A," in text and "ST-B" not in text
