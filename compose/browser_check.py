#!/usr/bin/env python3
"""Checks the reporting dashboard in a real browser: Debian's chromium, driven by Playwright for Python.

    .deps/venv/bin/python compose/browser_check.py --url http://127.0.0.1:8085 --area 058 [--province 19] \
        [--year 2026] [--expect start-poor=216 --expect end-rate=5.35 ...] [--screenshot PATH] [--width 390]

It opens BASE/ and drills down by clicking, as a user would: the province, then (for a commune inside a former
district) the former district, then the area; it chooses --year in the year selector. It then:
  - reads each --expect NAME=VALUE from the `data-value` of `[data-figure=NAME]` and compares numbers (VALUE `none`
    expects the figure shown as missing, `data-value=""`);
  - fetches BASE/v1/reports/{area} itself and checks the page's start and end poor and near-poor households (and the
    end-of-year rate, or its absence) against that review year;
  - checks the area's published figures (`baselines`) in the "Over the years" table against the API's, each year's
    `baseline-{poor,near-poor,rate,near-poor-rate}-{start,end}-YEAR` figure (e.g. `--expect baseline-poor-end-2022=285`
    works too), that the chart draws them apart (hatched bars), and that the sources the page lists are those of
    BASE/v1/area-figures/{area} (baseline figures, withdrawn ones left out);
  - checks the page does not scroll sideways, writes a full-page screenshot (Vietnamese), switches to English and
    checks the headings changed language and that the choice survives a reload;
  - fails on any console error or warning, uncaught page error, failed request or HTTP error response.
Prints one line per check; exits 0 only if every check passed, 1 otherwise.

It never downloads a browser: it uses the system chromium (`chromium` on PATH, or /usr/bin/chromium), headless and
with --no-sandbox (CI runs as root). compose/setup installs both.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request

FIGURE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
AREA_CODE = re.compile(r"^([0-9]{2}|[0-9]{3}|[0-9]{5}|[0-9]{5}@[0-9]{4}-[0-9]{2}-[0-9]{2})$")
EVENTS_PATH = "/v1/report-events"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 1 too
        self.print_usage(sys.stderr)
        print(f"browser_check: error: {message}", file=sys.stderr)
        sys.exit(1)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = Parser(description="Check the reporting dashboard in the system chromium.")
    p.add_argument("--url", required=True, help="the reporting service's base URL, e.g. http://127.0.0.1:8085")
    p.add_argument("--area", required=True, help="area code to drill down to (province, former district or commune)")
    p.add_argument("--province", help="province to click first (default: the area's provinceCode from the API)")
    p.add_argument("--year", type=int, help="review year to choose (default: the page's default, the latest)")
    p.add_argument("--expect", action="append", default=[], metavar="NAME=VALUE",
                   help="data-figure NAME whose data-value must equal VALUE (a number, or 'none' for missing)")
    p.add_argument("--screenshot", help="where to write a full-page PNG screenshot")
    p.add_argument("--token", default=os.environ.get("GIAMNGHEO_TOKEN", ""),
                   help="bearer token of a reader (env GIAMNGHEO_TOKEN); typed into the sign-in form")
    p.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels (390 for a phone)")
    p.add_argument("--height", type=int, default=900, help="viewport height in CSS pixels")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for any one thing on the page")
    p.add_argument("--chromium", help="chromium binary (default: `chromium` on PATH, else /usr/bin/chromium)")
    args = p.parse_args(argv)
    args.url = args.url.rstrip("/")
    if not AREA_CODE.match(args.area):
        p.error(f"--area {args.area!r} is not an area code")
    if args.province is not None and not re.match(r"^[0-9]{2}$", args.province):
        p.error(f"--province {args.province!r} is not a 2-digit province code")
    expects = []
    for item in args.expect:
        name, sep, value = item.partition("=")
        if not sep or not FIGURE_NAME.match(name):
            p.error(f"--expect {item!r}: want NAME=VALUE with NAME like end-poor")
        if value.strip().lower() in ("none", "missing", ""):
            expects.append((name, None))
        else:
            try:
                expects.append((name, float(value)))
            except ValueError:
                p.error(f"--expect {item!r}: {value!r} is not a number (or 'none')")
    args.expects = expects
    return args


class Checks:
    """One printed line per check; remembers whether all passed."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def record(self, ok: bool, name: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)
        return ok


def api_get(base: str, path: str, timeout: float, token: str = ""):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return json.load(res)


BASELINE_FIGURES = [  # data-figure name part -> YearBaseline field
    ("poor-start", "poorHouseholdsStart"), ("poor-end", "poorHouseholdsEnd"),
    ("near-poor-start", "nearPoorHouseholdsStart"), ("near-poor-end", "nearPoorHouseholdsEnd"),
    ("rate-start", "poorRateStartPercent"), ("rate-end", "poorRateEndPercent"),
    ("near-poor-rate-start", "nearPoorRateStartPercent"), ("near-poor-rate-end", "nearPoorRateEndPercent"),
]


def baseline_sources(figures: list, years: set[int]) -> list[str]:
    """The distinct sources of the area's baseline figures of `years`, withdrawn ones left out (as the page lists them)."""
    out = set()
    for item in figures if isinstance(figures, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("figure"), dict):
            continue
        fig = item["figure"]
        if item.get("withdrawn") or fig.get("kind") != "baseline" or fig.get("year") not in years:
            continue
        text = " ".join(str(fig.get("source") or "").split())
        if text:
            out.add(text)
    return sorted(out)


def same_number(page_value: str | None, expected: float | None) -> bool:
    if expected is None:
        return page_value == ""
    if page_value is None or page_value == "":
        return False
    try:
        return math.isclose(float(page_value), expected, rel_tol=0, abs_tol=1e-9)
    except ValueError:
        return False


def show(value: float | None) -> str:
    if value is None:
        return "missing"
    return str(int(value)) if float(value).is_integer() else str(value)


def chromium_path(explicit: str | None) -> str | None:
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    checks = Checks()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright
    except ImportError as err:
        checks.record(False, "playwright", f"cannot import Playwright for Python ({err}); run compose/setup")
        return 1
    browser_bin = chromium_path(args.chromium)
    if not browser_bin:
        checks.record(False, "chromium", "no chromium binary (install Debian's chromium: compose/setup)")
        return 1

    # What the API says, fetched apart from the browser.
    area_path = "/v1/reports/" + urllib.parse.quote(args.area, safe="@")
    try:
        report = api_get(args.url, area_path, args.timeout, args.token)
        reports = api_get(args.url, "/v1/reports", args.timeout, args.token)
    except (urllib.error.URLError, OSError, ValueError) as err:
        checks.record(False, "API", f"GET {args.url}{area_path} and /v1/reports: {err}")
        return 1
    province = args.province or report.get("provinceCode")
    checks.record(True, "API", f"{area_path}: {report.get('areaLevel')} {report.get('areaName')!r}, "
                               f"{len(report.get('reviewYears') or [])} review year(s); /v1/reports: {len(reports)} areas")

    timeout_ms = args.timeout * 1000
    expect.set_options(timeout=timeout_ms)
    problems: list[str] = []
    closing = {"now": False}

    def on_console(msg) -> None:
        if msg.type in ("error", "warning"):
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
            problems.append(f"console {msg.type}: {msg.text}{where}")

    def on_request_failed(request) -> None:
        failure = request.failure or "failed"
        # The event stream is open for the page's whole life: leaving or reloading the page always cuts it.
        if urllib.parse.urlsplit(request.url).path == EVENTS_PATH and ("ABORTED" in failure or closing["now"]):
            return
        problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def wait_view(page, view: str, code: str | None = None) -> None:
        selector = f'#app[data-view="{view}"]' + (f'[data-code="{code}"]' if code else "")
        expect(page.locator(selector)).to_be_visible()

    def click_nav(page, nav: str, code: str) -> None:
        link = page.locator(f'#app a[data-nav="{nav}"][data-code="{code}"]').first
        expect(link).to_be_visible()
        link.click()

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=browser_bin, headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        except PlaywrightError as err:
            checks.record(False, "chromium", f"cannot start {browser_bin}: {err}")
            return 1
        context = browser.new_context(
            viewport={"width": args.width, "height": args.height}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)
        shot_done = False
        try:
            # 0. Without a token the dashboard asks for one; signed in, it shows the figures.
            page.goto(args.url + "/", wait_until="domcontentloaded")
            page.wait_for_selector("#app[data-view=signin]")
            checks.record(True, "sign-in asked", "no token: the sign-in form, no data requested")
            page.fill("#token-input", args.token)
            page.click("form.signin button[type=submit]")

            # 1. The start view: provinces, in Vietnamese.
            wait_view(page, "provinces")
            expect(page.locator("html")).to_have_attribute("lang", "vi")
            checks.record(True, "start view", f"{page.locator('#app a[data-nav=province]').count()} province(s) listed, lang=vi")

            # 2. Drill down by clicking: province → (former district →) area.
            path = [f"province {province}"]
            click_nav(page, "province", province)
            wait_view(page, "province", province)
            if args.area == province:
                click_nav(page, "area", province)
            else:
                districts = [r for r in reports if r.get("areaLevel") == "formerDistrict"
                             and r.get("provinceCode") == province and args.area in (r.get("communes") or [])]
                if report.get("areaLevel") == "commune" and districts:
                    district = districts[0]["areaCode"]
                    click_nav(page, "area", district)
                    wait_view(page, "area", district)
                    path.append(f"former district {district}")
                click_nav(page, "area", args.area)
            wait_view(page, "area", args.area)
            path.append(f"{report.get('areaLevel')} {args.area}")
            checks.record(True, "drill-down by clicking", " → ".join(path) + f" ({page.url})")

            # 3. The review year.
            years = sorted(y["year"] for y in (report.get("reviewYears") or []))
            app = page.locator("#app")
            if args.year is not None:
                if args.year not in years:
                    checks.record(False, "year", f"{args.year} is not among the API's review years {years}")
                else:
                    page.locator('#app select[data-control="year"]').select_option(str(args.year))
                    expect(app).to_have_attribute("data-year", str(args.year))
                    checks.record(True, "year", f"chose {args.year} in the year selector ({page.url})")
            shown_year = app.get_attribute("data-year")
            year = int(shown_year) if shown_year else None
            if args.year is None:
                ok = year == (years[-1] if years else None)
                checks.record(ok, "year", f"page shows {shown_year or 'no year'}; latest in the API: {years[-1] if years else 'none'}")

            # 4. Expected figures.
            def figure_value(name: str) -> str | None:
                loc = page.locator(f'#app [data-figure="{name}"]')
                expect(loc).to_have_count(1)
                return loc.get_attribute("data-value")

            for name, expected in args.expects:
                try:
                    got = figure_value(name)
                except AssertionError:
                    checks.record(False, f"figure {name}", f"expected {show(expected)}, but the page has no single [data-figure={name}]")
                    continue
                checks.record(same_number(got, expected), f"figure {name}",
                              f"page {got!r}, expected {show(expected)}")

            # 5. The page against the API's review year.
            entry = next((y for y in (report.get("reviewYears") or []) if y.get("year") == year), None)
            if entry is None:
                notice = page.locator('#app [data-state="no-review-years"]')
                has_notice = notice.count() == 1 and notice.is_visible()
                no_figures = page.locator('#app [data-figure="start-poor"]').count() == 0
                checks.record(bool(not years and has_notice and no_figures), "page = API",
                              "no review years: the page says so and shows no year figures" if not years
                              else f"the page shows year {shown_year}, not in the API's {years}")
            else:
                hh = entry["households"]
                rates = entry.get("rates") or {}
                pairs = [
                    ("start-poor", hh["poor"]["start"]), ("end-poor", hh["poor"]["end"]),
                    ("start-near-poor", hh["nearPoor"]["start"]), ("end-near-poor", hh["nearPoor"]["end"]),
                    ("escaped-poor", hh["poor"]["escaped"]), ("newly-poor", hh["poor"]["newly"]),
                    ("proposed-poor", entry["proposed"]["poor"]),
                    ("start-rate", rates.get("poorStart")), ("end-rate", rates.get("poorEnd")),
                ]
                for name, api_value in pairs:
                    got = figure_value(name)
                    expected = None if api_value is None else float(api_value)
                    checks.record(same_number(got, expected), f"page = API {name}",
                                  f"page {got!r}, {area_path} year {year}: {show(expected)}")
                flows_ok = all(
                    f["start"] + sum(f[k] for k in ("firstRecorded", "newly", "re", "fromOtherClass", "movedIn", "otherIn"))
                    - sum(f[k] for k in ("escaped", "toOtherClass", "movedOut", "otherOut")) == f["end"]
                    for g in ("households", "people", "ethnicMinorityHouseholds", "urbanHouseholds", "ruralHouseholds")
                    for f in (entry[g]["poor"], entry[g]["nearPoor"]))
                got = figure_value("flows-add-up")
                checks.record(same_number(got, 1.0 if flows_ok else 0.0), "flows add up",
                              f"page {got!r}, API {'adds up' if flows_ok else 'does NOT add up'}")
                drawn = page.locator('#app [data-chart="waterfall-poor"] svg, #app [data-chart="waterfall-near-poor"] svg').count()
                checks.record(drawn == 2, "waterfall charts", f"{drawn} of 2 drawn")

            # 5b. Published figures (baselines) beside the system's years, and their sources.
            baselines = [b for b in (report.get("baselines") or []) if isinstance(b, dict) and isinstance(b.get("year"), int)]
            if not baselines:
                none_shown = page.locator('#app [data-source="published"]').count() == 0
                checks.record(none_shown, "published figures", "none in the API, none on the page" if none_shown
                              else "none in the API, but the page shows published rows")
            else:
                for b in sorted(baselines, key=lambda b: b["year"]):
                    bad = []
                    for part, field in BASELINE_FIGURES:
                        name = f"baseline-{part}-{b['year']}"
                        value = b.get(field)
                        expected = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
                        loc = page.locator(f'#app [data-figure="{name}"]')
                        got = loc.get_attribute("data-value") if loc.count() == 1 else None
                        if got is None or not same_number(got, expected):
                            bad.append(f"{name}: page {got!r}, API {show(expected)}")
                    checks.record(not bad, f"page = API published {b['year']}",
                                  "; ".join(bad) if bad else f"{len(BASELINE_FIGURES)} figures match (poor end {show(b.get('poorHouseholdsEnd'))})")
                with_bars = sum(1 for b in baselines if any(isinstance(b.get(k), (int, float)) for k in ("poorHouseholdsEnd", "nearPoorHouseholdsEnd")))
                bars = page.locator('#app [data-chart="series"] svg .bar-published').count()
                checks.record(bars >= with_bars, "published figures drawn apart",
                              f"{bars} hatched bar(s) for {with_bars} published year(s) with households")
                figures_path = "/v1/area-figures/" + urllib.parse.quote(args.area, safe="@")
                try:
                    figures = api_get(args.url, figures_path, args.timeout, args.token)
                except (urllib.error.URLError, OSError, ValueError) as err:
                    checks.record(False, "published sources", f"GET {args.url}{figures_path}: {err}")
                else:
                    expected_sources = baseline_sources(figures, {b["year"] for b in baselines})
                    expect(page.locator('#app [data-sources="loading"]')).to_have_count(0)
                    texts = page.locator('#app [data-sources] .source-text')
                    shown = sorted(" ".join(texts.nth(i).inner_text().split()) for i in range(texts.count()))
                    checks.record(shown == expected_sources, "published sources",
                                  f"page lists {len(shown)}, {figures_path} has {len(expected_sources)}"
                                  + ("" if shown == expected_sources else f": page {shown}, API {expected_sources}"))

            # 6. Layout: nothing wider than the screen.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            checks.record(overflow <= 1, "no sideways scrolling", f"page is {overflow}px wider than the {args.width}px viewport"
                          if overflow > 1 else f"fits {args.width}px")

            # 7. Screenshot (Vietnamese).
            if args.screenshot:
                os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
                page.screenshot(path=args.screenshot, full_page=True)
                shot_done = True
                checks.record(True, "screenshot", args.screenshot)

            # 8. English, and the choice kept across a reload.
            title = page.locator("#app-title")
            heading = page.locator("#app h2").first
            title_vi, heading_vi = title.inner_text(), heading.inner_text()
            button = page.locator('button[data-control="lang"]')
            expect(button).to_have_text("English")
            button.click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(title).not_to_have_text(title_vi)
            expect(button).to_have_text("Tiếng Việt")
            section = page.locator("#app h3.card-title").first
            section_en = section.inner_text() if section.count() else ""
            checks.record(True, "English", f"title {title_vi!r} → {title.inner_text()!r}"
                          + (f"; first section {section_en!r}" if section_en else ""))
            closing["now"] = True
            page.reload(wait_until="domcontentloaded")
            closing["now"] = False
            wait_view(page, "area", args.area)
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(title).not_to_have_text(title_vi)
            if year is not None:
                expect(page.locator('#app [data-figure="end-poor"]')).to_have_attribute(
                    "data-value", str(entry["households"]["poor"]["end"]) if entry else "")
            checks.record(True, "English kept after reload", f"lang=en, area heading {heading.inner_text()!r} (was {heading_vi!r})")
        except (AssertionError, PlaywrightError) as err:
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            checks.record(False, "page", f"{first_line} (at {page.url})")
            if args.screenshot and not shot_done:
                try:
                    page.screenshot(path=args.screenshot, full_page=True)
                    print(f"      screenshot of the failure: {args.screenshot}", flush=True)
                except PlaywrightError:
                    pass
        finally:
            closing["now"] = True
            context.close()
            browser.close()

    checks.record(not problems, "no console errors, page errors or failed requests",
                  "; ".join(problems[:20]) + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))
    total = checks.passed + checks.failed
    if checks.failed:
        print(f"browser_check: {checks.failed} of {total} checks FAILED", flush=True)
        return 1
    print(f"browser_check: all {total} checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
