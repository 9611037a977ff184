#!/usr/bin/env python3
"""davgate's browser page as a person uses it: headless Chromium driven by Selenium.

Usage: browser_ui.py BASE_URL USER PASSWORD SHAREE SCREENSHOT_DIR

BASE_URL is the server root (for example http://127.0.0.1:8080/) with the DAV prefix
/dav (the shipped configuration). USER logs in with PASSWORD, creates a calendar, shares
it with SHAREE, imports 1,000 events into it watching the progress bar reach the end,
downloads the Apple configuration profile and checks its payloads, deletes the calendar
and logs out; on the way it checks that forged changes (no CSRF token) are refused and
that a session id planted before the login does not survive it. A screenshot of each
page goes to SCREENSHOT_DIR. Chromium and chromedriver are Debian's (`chromium`,
`chromium-driver`); nothing is downloaded.
"""

import argparse
import os
import plistlib
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from checks import check, ok, run_checks, step
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

EVENTS = 1000


def chromium():
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def ics_file(directory):
    path = os.path.join(directory, "thousand.ics")
    start = datetime.now(timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//davgate browser test//EN"]
    for n in range(EVENTS):
        day = start + timedelta(days=1 + n % 200, hours=n % 8)
        lines += ["BEGIN:VEVENT", f"UID:browser-{n}", "DTSTAMP:20260101T000000Z",
                  "DTSTART:" + day.strftime("%Y%m%dT%H%M%SZ"), "DURATION:PT30M",
                  f"SUMMARY:Imported {n}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return path


def main():
    parser = argparse.ArgumentParser()
    for name in ("base", "user", "password", "sharee", "screenshots"):
        parser.add_argument(name)
    args = parser.parse_args()
    ui = urljoin(args.base, "dav/ui/")
    os.makedirs(args.screenshots, exist_ok=True)
    work = tempfile.mkdtemp()
    driver = chromium()
    wait = WebDriverWait(driver, 30)

    def shot(name):
        path = os.path.join(args.screenshots, f"{name}.png")
        driver.save_screenshot(path)
        ok(f"screenshot {path}")

    def card_of(name):
        for card in driver.find_elements(By.CSS_SELECTOR, "li.card"):
            if card.find_element(By.TAG_NAME, "h2").text.strip() == name:
                return card
        return None

    def status_of_forged_post(path, body):
        return driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {method: 'POST', body: arguments[1], credentials: 'same-origin',"
            " headers: {'Content-Type': 'application/x-www-form-urlencoded'}})"
            ".then(r => done(r.status)).catch(e => done(String(e)));",
            urljoin(ui, path), body)

    def checks():
        step("a browser at the DAV root lands on the login form")
        driver.get(urljoin(args.base, "dav/"))
        wait.until(EC.presence_of_element_located((By.ID, "login")))
        check(driver.current_url == urljoin(ui, "login"), f"at {driver.current_url}")
        check(driver.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Password",
              "the password field has its label")
        shot("login")
        ok("redirected to the login form")

        step("a session id planted before the login does not survive it")
        driver.add_cookie({"name": "davgate_session", "value": "planted-by-someone", "path": "/dav/ui/"})
        driver.find_element(By.ID, "login").send_keys(args.user)
        driver.find_element(By.ID, "password").send_keys("wrong password")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        error = wait.until(EC.presence_of_element_located((By.ID, "login-error")))
        check("wrong password" in error.text, error.text)
        ok("a wrong password is refused")
        field = driver.find_element(By.ID, "login")
        field.clear()
        field.send_keys(args.user)
        driver.find_element(By.ID, "password").send_keys(args.password)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.ID, "new-name")))
        cookie = driver.get_cookie("davgate_session")
        check(cookie and cookie["value"] != "planted-by-someone", f"session cookie {cookie}")
        check(cookie["httpOnly"], "the session cookie is HttpOnly")
        check(cookie.get("sameSite") == "Strict", f"SameSite {cookie.get('sameSite')}")
        shot("collections")
        driver.set_window_size(390, 844)
        shot("collections-phone")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 390, f"the page fits a phone's width ({width} px)")
        driver.set_window_size(1280, 1000)
        ok("logged in with a new session id")

        step("create a calendar")
        Select(driver.find_element(By.ID, "new-kind")).select_by_value("calendar")
        driver.find_element(By.ID, "new-name").send_keys("Browser Trip")
        driver.find_element(By.CSS_SELECTOR, "section.card form button[type=submit]").click()
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".note"), "created"))
        card = card_of("Browser Trip")
        check(card is not None, "the new calendar is listed")
        collection_id = card.get_attribute("id").removeprefix("collection-")
        url = card.find_element(By.CSS_SELECTOR, "input.url").get_attribute("value")
        check(url.endswith(f"/dav/caldav/{collection_id}/"), f"its URL {url}")
        ok(f"calendar {collection_id} at {url}")

        step("forged changes are refused")
        status = status_of_forged_post("collections", "kind=calendar&name=Forged")
        check(status == 403, f"a POST without the CSRF token got {status}")
        status = status_of_forged_post("collections", "kind=calendar&name=Forged&csrf=guessed")
        check(status == 403, f"a POST with a wrong CSRF token got {status}")
        driver.refresh()
        check(card_of("Forged") is None, "nothing was created")
        ok("403 without the page's token")

        step("share it")
        card = card_of("Browser Trip")
        sharing = [d for d in card.find_elements(By.TAG_NAME, "details")
                   if d.find_element(By.TAG_NAME, "summary").text == "Sharing"][0]
        sharing.find_element(By.TAG_NAME, "summary").click()
        sharing.find_element(By.NAME, "user").send_keys(args.sharee)
        Select(sharing.find_element(By.NAME, "role")).select_by_value("viewer")
        sharing.find_element(By.XPATH, ".//button[text()='Share']").click()
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".note"), "shared"))
        card = card_of("Browser Trip")
        check("shared with 1" in card.find_element(By.CSS_SELECTOR, ".meta").text, "listed as shared")
        ok(f"shared with {args.sharee}")

        step(f"import {EVENTS} events with the progress bar")
        path = ics_file(work)
        card = card_of("Browser Trip")
        details = [d for d in card.find_elements(By.TAG_NAME, "details")
                   if d.find_element(By.TAG_NAME, "summary").text == "Import a file"][0]
        details.find_element(By.TAG_NAME, "summary").click()
        form = details.find_element(By.CSS_SELECTOR, "form.import")
        form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(driver, 300).until(lambda d: form.get_attribute("data-done") == "true")
        progress = form.find_element(By.TAG_NAME, "progress")
        value, maximum = progress.get_property("value"), progress.get_property("max")
        check(value == maximum == EVENTS, f"progress {value} of {maximum}")
        status = form.find_element(By.CSS_SELECTOR, ".import-status").text
        check(status == f"Done: {EVENTS} stored, 0 refused.", status)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", progress)
        shot("import")
        driver.refresh()
        meta = card_of("Browser Trip").find_element(By.CSS_SELECTOR, ".meta").text
        check(f"{EVENTS} items" in meta, meta)
        ok(status)

        step("the Apple configuration profile")
        driver.find_element(By.LINK_TEXT, "Set up a client").click()
        wait.until(EC.presence_of_element_located((By.ID, "apple-heading")))
        shot("setup")
        profile = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {credentials: 'same-origin'})"
            ".then(r => r.text()).then(done).catch(e => done('ERROR ' + e));",
            urljoin(ui, "setup/davgate.mobileconfig"))
        plist = plistlib.loads(profile.encode())
        check(plist["PayloadType"] == "Configuration", plist["PayloadType"])
        host = urlsplit(args.base)
        kinds = {p["PayloadType"]: p for p in plist["PayloadContent"]}
        check(set(kinds) == {"com.apple.caldav.account", "com.apple.carddav.account"}, str(kinds.keys()))
        for kind, payload in (("CalDAV", kinds["com.apple.caldav.account"]),
                              ("CardDAV", kinds["com.apple.carddav.account"])):
            check(payload[f"{kind}HostName"] == host.hostname, payload[f"{kind}HostName"])
            check(payload[f"{kind}Port"] == host.port, payload[f"{kind}Port"])
            check(payload[f"{kind}UseSSL"] is False, "plain HTTP here")
            check(payload[f"{kind}Username"] == args.user, payload[f"{kind}Username"])
            principal = payload[f"{kind}PrincipalURL"]
            check(principal.startswith("/dav/principals/users/"), principal)
        ok(f"payloads for {host.hostname}:{host.port} as {args.user}")

        step("app passwords")
        driver.find_element(By.LINK_TEXT, "App passwords").click()
        driver.find_element(By.ID, "app-label").send_keys("Browser test")
        driver.find_element(By.CSS_SELECTOR, "section.card form button[type=submit]").click()
        secret = wait.until(EC.presence_of_element_located((By.ID, "new-secret"))).text
        check(len(secret) == 29, f"an app password {secret!r}")
        shot("app-passwords")
        ok("created and shown once")

        step("delete the calendar")
        driver.find_element(By.LINK_TEXT, "Collections").click()
        card = card_of("Browser Trip")
        card.find_element(By.CSS_SELECTOR, "button.danger").click()
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".note"), "deleted"))
        check(card_of("Browser Trip") is None, "the calendar is gone")
        ok("deleted")

        step("log out")
        driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
        wait.until(EC.presence_of_element_located((By.ID, "login")))
        check(driver.get_cookie("davgate_session") is None, "the session cookie is gone")
        driver.get(ui)
        wait.until(EC.presence_of_element_located((By.ID, "login")))
        check(driver.current_url == urljoin(ui, "login"), driver.current_url)
        ok("the page asks for a login again")

    try:
        status = run_checks(checks, "all browser UI checks passed")
        if status != 0:
            shot("failure")
            print(f"at {driver.current_url}:\n{driver.page_source[:3000]}")
        return status
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
