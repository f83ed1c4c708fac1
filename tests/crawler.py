"""A site crawler that looks at pages the way a person would.

It signs in through the real web form, follows every same-origin link, and reports what a
user would see go wrong: server errors, the word "None", pictures that do not load,
arrows that can wrap away from their words, password boxes that show the password,
internal snake_case codes, and English sentences on Chinese pages. It can also submit
every form it met with hostile values. Text that people typed (listing titles, usernames,
messages, reward names ...) is content, not interface, so it is taken from the database
and left out of the language checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from flask.testing import FlaskClient

#: Never followed: they end the session, switch language on purpose, or are not pages.
SKIP_PREFIXES = ("/static/", "/api/", "/logout", "/healthz", "/s/")
#: Elements whose text is not interface text a person reads as a sentence.
NON_TEXT_TAGS = {"script", "style", "code", "pre", "textarea", "noscript", "template", "svg"}
SNAKE = re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@-])")
COLON_CODE = re.compile(r"(?<![\w/])[a-z]+:[a-z_]+(?![\w/])")
ENGLISH_WORD = re.compile(r"(?<![\w.@/:-])[A-Za-z][a-z]{2,}(?![\w.@/-])")
#: Elements whose start tag closes an open <p> in a browser's HTML parser (HTML's "p end
#: tag implied" rule); html.parser nests them as written, so the crawler can see them.
BLOCKS_CLOSING_P = ["address", "article", "aside", "blockquote", "details", "div", "dl",
                    "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
                    "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section",
                    "table", "ul"]
#: "See all →" with a plain space: on a phone the arrow may end up alone on the next line
LOOSE_ARROW = re.compile(r"\S[ \t\n]+→|←[ \t\n]+\S")
#: Attributes whose text a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
#: Words that stay in Latin letters on Chinese pages: names, units and formats.
LATIN_ALLOWED = {
    "tokenmart", "api", "openapi", "csv", "qr", "cny", "english", "rfm", "id", "ip", "url",
    "json", "totp", "ok",
}
#: (table, column) pairs holding what people typed; shown as is in every language.
CONTENT_COLUMNS = [
    ("users", "username"), ("listings", "title"), ("listings", "description"),
    ("listings", "city"), ("listings", "moderation_reason"), ("barter_messages", "body"),
    ("barter_ratings", "comment"), ("listing_reports", "note"), ("barter_orders", "address"),
    ("barter_orders", "tracking_no"), ("barter_orders", "dispute_reason"),
    ("barter_orders", "resolution_note"), ("rewards", "name"), ("rewards", "description"),
    ("coupon_templates", "name"), ("coupon_packs", "name"), ("campaigns", "title"),
    ("campaigns", "description"), ("margin_entries", "memo"), ("cashouts", "external_ref"),
    ("cashouts", "reason"), ("users", "banned_reason"), ("ledger_transactions", "memo"),
    ("api_tokens", "name"), ("redemptions", "shipping_address"),
    ("cashouts", "payout_account_name"), ("cashouts", "payout_account"),
    ("causes", "name"), ("causes", "description"), ("cause_payouts", "reference"),
]

HOSTILE_VALUES = [
    "99999999999999999999999", "-99999999999999999999", "1e309", "NaN", "-Infinity",
    "abc\x00def", "中" * 5000, "<script>alert(1)</script>", "", "-1", "0", "sNaN",
]


@dataclass
class Page:
    url: str
    status: int
    html: str
    soup: BeautifulSoup | None


@dataclass
class FormSpec:
    page: str
    action: str
    fields: dict[str, str]  # name -> input type ("text", "select", "hidden", ...)
    defaults: dict[str, str]


@dataclass
class CrawlResult:
    pages: dict[str, Page] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    forms: dict[tuple[str, tuple[str, ...]], FormSpec] = field(default_factory=dict)


def content_strings(session: Any) -> list[str]:
    """Everything people typed that pages may show verbatim, longest first."""
    found: set[str] = set()
    for table, column in CONTENT_COLUMNS:
        try:
            rows = session.execute(sa.text(f"SELECT DISTINCT {column} FROM {table}")).scalars()  # noqa: S608 - fixed names
        except sa.exc.DBAPIError:
            session.rollback()
            continue
        found.update(str(v) for v in rows if v and len(str(v)) >= 2)
    return sorted(found, key=len, reverse=True)


def sign_in(client: FlaskClient, username: str, password: str) -> None:
    """Sign in through the real form (with its CSRF token), as a person does."""
    response = client.get("/login")
    token = _csrf_token(response.get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code in (302, 303), f"sign-in as {username} failed: {response.status}"


def _csrf_token(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    meta = soup.find("meta", attrs={"name": "csrf-token"})
    if isinstance(meta, Tag):
        return str(meta.get("content", ""))
    hidden = soup.find("input", attrs={"name": "csrf_token"})
    return str(hidden.get("value", "")) if isinstance(hidden, Tag) else ""


def visible_text_nodes(soup: BeautifulSoup) -> Iterable[str]:
    """Text a person reads: not scripts, code samples, comments or hidden inputs."""
    body = soup.body or soup
    for node in body.descendants:
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        if any(parent.name in NON_TEXT_TAGS for parent in node.parents if isinstance(parent, Tag)):
            continue
        if any(isinstance(p, Tag) and p.get("translate") == "no" for p in node.parents):
            continue
        text = str(node).strip()
        if text:
            yield text


def _strip_content(text: str, content: list[str]) -> str:
    for value in content:
        if value in text:
            text = text.replace(value, " ")
    return text


def check_page(page: Page, chinese: bool, content: list[str]) -> list[str]:
    """What a person would see go wrong on one page."""
    problems: list[str] = []
    where = page.url
    if page.status >= 500:
        return [f"{where}: HTTP {page.status}"]
    soup = page.soup
    if soup is None:
        return problems
    html_tag = soup.find("html")
    lang = str(html_tag.get("lang", "")) if isinstance(html_tag, Tag) else ""
    if html_tag is not None and lang.startswith("zh") != chinese:
        problems.append(f"{where}: page is in {lang!r}, not the chosen language")
    title = soup.find("title")
    if title is not None and title.get_text(strip=True).split(" · ")[0] in ("", "tokenmart"):
        problems.append(f"{where}: the page title does not say where you are")
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            if value == "None" or (isinstance(value, list) and "None" in value):
                problems.append(f"{where}: <{tag.name} {attr}=\"None\">")
    # The Content-Security-Policy allows no inline script: it would not run anyway.
    for tag in soup.find_all("script"):
        if not tag.get("src"):
            problems.append(f"{where}: inline <script> (blocked by the CSP; use static/js)")
    for tag in soup.find_all(True):
        handlers = [a for a in tag.attrs if a.lower().startswith("on")]
        if handlers:
            problems.append(f"{where}: inline handler {handlers} on <{tag.name}> (blocked by the CSP)")
    for tag in soup.find_all("p"):
        for inner in tag.find_all(BLOCKS_CLOSING_P):
            problems.append(f"{where}: <{inner.name}> inside <p> (the browser ends the "
                            f"paragraph before it, so the paragraph's layout is lost)")
    for tag in soup.find_all("input"):
        name = str(tag.get("name", "")) + " " + str(tag.get("id", ""))
        auto = str(tag.get("autocomplete", ""))
        if ("password" in name or "password" in auto) and tag.get("type") != "password":
            problems.append(f"{where}: password box {tag.get('name')!r} is type={tag.get('type')!r}")
    for node in (soup.body or soup).find_all(string=LOOSE_ARROW):
        problems.append(f"{where}: an arrow that can wrap onto a line of its own in "
                        f"{str(node).strip()[:60]!r} (join it with &nbsp;)")
    for text in visible_text_nodes(soup):
        own = _strip_content(text, content)
        if re.search(r"\bNone\b", own):
            problems.append(f"{where}: shows 'None' in {text[:80]!r}")
        for code in SNAKE.findall(own):
            problems.append(f"{where}: raw code {code!r} in {text[:80]!r}")
        for code in COLON_CODE.findall(own):
            problems.append(f"{where}: raw code {code!r} in {text[:80]!r}")
        if chinese:
            problems += _english(where, own, text)
    if chinese:
        for tag in (soup.body or soup).find_all(True):
            for attr in READ_ATTRIBUTES:
                if tag.get(attr) and tag.get("translate") != "no":
                    value = str(tag[attr])
                    problems += _english(where, _strip_content(value, content), f"{attr}={value}")
    return problems


def _english(where: str, own: str, shown: str) -> list[str]:
    words = [w for w in ENGLISH_WORD.findall(own) if w.lower() not in LATIN_ALLOWED]
    if not words:
        return []
    return [f"{where}: English on a Chinese page: {' '.join(words)[:60]!r} in {shown[:80]!r}"]


def crawl(client: FlaskClient, *, chinese: bool, content: list[str], start: str = "/",
          limit: int = 600, expand: str = "/") -> CrawlResult:
    """Breadth-first over same-origin links; every page checked as it is fetched.

    Links are followed from pages under `expand` only (an admin crawl expands /admin/
    pages: the user pages they link to are checked, but the user crawl covers the rest).
    """
    result = CrawlResult()
    shapes: dict[str, int] = {}
    # Choose the language as a person does: with the footer's link. It must then stick
    # for every page that follows (checked through <html lang> below).
    client.get("/?lang=" + ("zh_Hans" if chinese else "en"))
    queue = [start]
    seen = {start}
    pictures: set[str] = set()
    while queue and len(result.pages) < limit:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            target = _same_origin(url, response.headers.get("Location", ""))
            if target and target not in seen and _follow(target):
                seen.add(target)
                queue.append(target)
            continue
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        soup = BeautifulSoup(html, "html.parser") if html else None
        page = Page(url, response.status_code, html, soup)
        result.pages[url] = page
        result.problems += check_page(page, chinese, content)
        if soup is None:
            continue
        result.problems += _broken_pictures(client, url, soup, pictures)
        _collect_forms(result, url, soup)
        if not url.startswith(expand):
            continue
        for link in soup.find_all("a", href=True):
            target = _same_origin(url, str(link["href"]))
            if target and target not in seen and _follow(target):
                seen.add(target)
                # Pages of one shape (listing N, month M, cursor C) look alike: a few of
                # each are enough, and a calendar's "next month" would otherwise never end.
                shape = _shape(target)
                shapes[shape] = shapes.get(shape, 0) + 1
                if shapes[shape] <= PAGES_PER_SHAPE:
                    queue.append(target)
    return result


PAGES_PER_SHAPE = 3


def _broken_pictures(client: FlaskClient, url: str, soup: BeautifulSoup,
                     checked: set[str]) -> list[str]:
    """Every picture a page shows loads: a missing file is a broken-image icon to a person,
    and a page that still answers 200. Each address is fetched once per crawl."""
    problems = []
    for tag in soup.find_all("img", src=True):
        src = _same_origin(url, str(tag["src"]))
        if src is None or src in checked:
            continue
        checked.add(src)
        response = client.get(src)
        response.close()  # a file answer holds its file open until closed
        if response.status_code != 200 or not response.mimetype.startswith("image/"):
            problems.append(f"{url}: picture {src} answers {response.status_code} "
                            f"{response.mimetype}")
    return problems


def _shape(path: str) -> str:
    parts = urlsplit(path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def _same_origin(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "javascript:", "#", "tel:", "data:")):
        return None
    absolute = urljoin("http://localhost" + base, href)
    parts = urlsplit(absolute)
    if parts.netloc != "localhost":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _follow(path: str) -> bool:
    if path.startswith(SKIP_PREFIXES):
        return False
    # The language links are checked on their own; following them from every page
    # would crawl the site twice.
    return "lang=" not in path


def _collect_forms(result: CrawlResult, url: str, soup: BeautifulSoup) -> None:
    for form in soup.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        action = _same_origin(url, str(form.get("action") or url))
        if not action or action.startswith(("/logout", "/api/")):
            continue
        fields: dict[str, str] = {}
        defaults: dict[str, str] = {}
        for tag in form.find_all(["input", "select", "textarea"]):
            name = tag.get("name")
            if not name:
                continue
            kind = tag.name if tag.name != "input" else str(tag.get("type", "text"))
            fields[str(name)] = kind
            if tag.name == "select":
                option = tag.find("option", selected=True) or tag.find("option")
                defaults[str(name)] = str(option.get("value", option.text)) if option else ""
            elif kind in ("checkbox", "radio"):
                defaults.setdefault(str(name), str(tag.get("value", "on")))
            else:
                defaults[str(name)] = str(tag.get("value", "") or tag.text or "")
        key = (re.sub(r"\d+", "N", action), tuple(sorted(fields)))
        result.forms.setdefault(key, FormSpec(url, action, fields, defaults))


def submit_hostile(client: FlaskClient, forms: Iterable[FormSpec], csrf: str) -> list[str]:
    """Post every form once per hostile value (all its typed fields at once); no 5xx."""
    problems: list[str] = []
    for spec in forms:
        for value in HOSTILE_VALUES:
            data: dict[str, Any] = {}
            for name, kind in spec.fields.items():
                if name == "csrf_token":
                    data[name] = csrf
                elif kind == "file":
                    continue
                elif kind in ("submit", "button"):
                    data[name] = spec.defaults.get(name, "")
                else:
                    data[name] = value
            response = client.post(spec.action, data=data)
            if response.status_code >= 500:
                problems.append(f"POST {spec.action} (form on {spec.page}) with "
                                f"{value[:30]!r}: HTTP {response.status_code}")
    return problems
