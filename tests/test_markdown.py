"""The Markdown pipeline: markdown-it ("js-default") -> bleach allow-list -> Markup.

Outputs are read back with the standard library's ``html.parser``, which decodes
character references in attribute values as a browser does, so the checks judge
what a browser would act on rather than the serialised text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from community.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    render_markdown,
    sanitize_html,
    stored_html,
)

# Adapted from the OWASP "XSS Filter Evasion Cheat Sheet"
# (https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html),
# by the OWASP Foundation, licensed CC BY-SA 4.0. Hosts were changed to reserved names.
OWASP_PAYLOADS = [
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp>"
    "<svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
    "&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    '<A HREF="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    "&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040"
    '&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">Click Me</A>',
    "<A HREF=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>hex</A>",
    "<A HREF=\"jav\tascript:alert('XSS');\">tab</A>",
    "<A HREF=\"jav&#x09;ascript:alert('XSS');\">encoded tab</A>",
    "<A HREF=\"jav&#x0A;ascript:alert('XSS');\">encoded newline</A>",
    "<A HREF=\"jav&#x0D;ascript:alert('XSS');\">encoded return</A>",
    "<A HREF=\" &#14;  javascript:alert('XSS');\">spaces and meta chars</A>",
    '<SCRIPT/XSS SRC="https://evil.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=https://evil.example/xss.js?< B >",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=https://evil.example/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" '
    'CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://evil.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIw'
    'MDAvc3ZnIi8+" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    "<A HREF=\"javascript:document.location='https://evil.example/'\">XSS</A>",
    '<FORM ACTION="javascript:alert(1)"><BUTTON FORMACTION="javascript:alert(1)">go</BUTTON>'
    "<INPUT TYPE=submit></FORM>",
]

# Our own: sanitiser advisories (mutation XSS), DOM clobbering, and bugs we found.
REGRESSION_PAYLOADS = [
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="&#1;javascript:alert(1)">control character</a>',
    # bleach reads "scheme:digits" as host and port (mozilla/bleach#611).
    '<a href="javascript:1">digits</a><a href="tel:123">tel</a><a href="data:123">data</a>',
    '<details open ontoggle=alert(1)><summary id="x" name="y">s</summary></details>',
    '<p id="csrf-token" name="location">clobber</p>',
    '<img src="/ok.png" srcset="https://evil.example/x.png 1x">',
    # A tab or newline after the first slash is dropped by browsers: "//evil.example".
    '<img src="/&#9;/evil.example/x.png"><img src="/&#10;/evil.example/y.png">',
    '<img src="/\\evil.example/x.png"><img src=" //evil.example/x.png">',
    '<a href="/ok" target="_blank" rel="opener" style="color:red" onclick="x()">ok</a>',
    '<code class="language-python hljs" onclick="alert(1)">x</code>'
    '<pre class="evil"><code class="language-js">y</code></pre>',
]

PAYLOADS = OWASP_PAYLOADS + REGRESSION_PAYLOADS
FORBIDDEN_ATTRIBUTES = {"style", "id", "name", "srcset", "formaction", "target"}
SAFE_SCHEMES = ALLOWED_PROTOCOLS | {None}
RELS_REQUIRED = {"nofollow", "ugc", "noopener"}
_C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))


class _Elements(HTMLParser):
    """Every start tag of a document, with its attributes as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


def images(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in elements(html) if tag == "img"]


def browser_url(url: str) -> str:
    """The URL a browser parses (WHATWG): edge controls/spaces gone, tabs/newlines gone."""
    return re.sub(r"[\t\n\r]", "", url.strip(_C0_CONTROL_OR_SPACE))


def browser_scheme(url: str) -> str | None:
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", browser_url(url))
    return match.group(1).lower() if match else None


def is_same_site_path(url: str) -> bool:
    url = browser_url(url)
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def attribute_allowed(tag: str, name: str, value: str) -> bool:
    rule = ALLOWED_ATTRIBUTES.get(tag, [])
    if callable(rule):
        return rule(tag, name, value)
    return name in rule


def assert_only_allow_listed(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}> survived in {html!r}"
            assert name not in FORBIDDEN_ATTRIBUTES, f"{name} on <{tag}> in {html!r}"
            assert attribute_allowed(tag, name, value or ""), f"{tag}[{name}] in {html!r}"
        if "href" in attrs:
            assert browser_scheme(attrs["href"] or "") in SAFE_SCHEMES, html
        if "src" in attrs:
            assert is_same_site_path(attrs["src"] or ""), html
        if tag == "a":
            assert set((attrs.get("rel") or "").split()) >= RELS_REQUIRED, html


# --- the sanitiser on hostile HTML ------------------------------------------------


def test_payload_corpus_is_the_size_we_claim_when_counted():
    # The plan's figure: about 40 OWASP vectors plus our regressions, all distinct.
    assert len(OWASP_PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitize_html_keeps_only_allow_listed_markup_when_given_hostile_html(payload):
    assert_only_allow_listed(sanitize_html(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitize_html_is_idempotent_when_run_on_its_own_output(payload):
    once = sanitize_html(payload)
    assert sanitize_html(once) == once


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_keeps_only_allow_listed_markup_when_source_is_hostile(payload):
    assert_only_allow_listed(render_markdown(payload))


def test_sanitize_html_keeps_allow_listed_markup_when_given_benign_html():
    # The positive control: a sanitiser that strips everything would pass the rest.
    html = (
        '<p><strong>b</strong> <em>i</em> <a href="https://example.com/x" title="t">l</a></p>'
        '<ol start="3"><li>x</li></ol><img src="/static/a.png" alt="a" width="10">'
        '<pre><code class="language-python">x</code></pre>'
    )
    found = dict(elements(sanitize_html(html)))
    assert found["a"]["href"] == "https://example.com/x"
    assert found["a"]["title"] == "t"
    assert found["ol"]["start"] == "3"
    assert found["img"] == {"src": "/static/a.png", "alt": "a", "width": "10"}
    assert found["code"]["class"] == "language-python"
    assert {"p", "strong", "em", "li", "pre"} <= set(found)


# --- raw HTML in Markdown is text -------------------------------------------------

RAW_HTML = [
    ("<script>alert(1)</script>", "script"),
    ('<img src="/x.png" onerror="alert(1)">', "img"),
    ('<iframe src="https://evil.example/"></iframe>', "iframe"),
    ('<svg onload="alert(1)"><circle r="1"/></svg>', "svg"),
    ("<style>body { display: none }</style>", "style"),
    ('<form action="/logout" method="post"><input name="x"><button>Go</button></form>', "form"),
    ('<input type="text" value="x" autofocus onfocus="alert(1)">', "input"),
    ('<button formaction="javascript:alert(1)">x</button>', "button"),
    ('<base href="https://evil.example/">', "base"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "meta"),
    ('<link rel="stylesheet" href="https://evil.example/x.css">', "link"),
    ("<details open><summary>s</summary>hidden</details>", "details"),
]


@pytest.mark.parametrize(("source", "tag"), RAW_HTML, ids=[tag for _, tag in RAW_HTML])
def test_render_markdown_shows_raw_html_as_text_when_markdown_contains_html(source, tag):
    output = render_markdown(source)
    # Escaped by the parser, not merely stripped by the sanitiser: the text shows.
    assert f"&lt;{tag}" in output
    assert [found for found, _ in elements(output)] == ["p"]


def test_render_markdown_shows_inline_html_as_text_when_inside_a_paragraph():
    output = render_markdown('Hello <b onclick="x()">there</b> <span>friend</span>')
    assert output == (
        "<p>Hello &lt;b onclick=&quot;x()&quot;&gt;there&lt;/b&gt; "
        "&lt;span&gt;friend&lt;/span&gt;</p>\n"
    )


# --- links ------------------------------------------------------------------------

HOSTILE_LINKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](\x01javascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](javascript:1)",
    "[x](file:///etc/passwd)",
    "[x](tel:123)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "[ref]: javascript:alert(1)\n\n[click][ref]",
    '[x](javascript:alert(1) "title")',
    "javascript:alert(1)",
]


@pytest.mark.parametrize("source", HOSTILE_LINKS)
def test_render_markdown_gives_no_scripting_href_when_link_is_hostile(source):
    output = render_markdown(source)
    for link in links(output):
        href = link.get("href")
        # Either no href at all, or one a browser reads as http(s), mailto or a
        # relative path ("java%09script:" is a path: a scheme cannot hold "%").
        assert href is None or browser_scheme(href) in SAFE_SCHEMES, output


@pytest.mark.parametrize(
    "source",
    ["[x](javascript:alert(1))", "[x](vbscript:msgbox(1))", "[x](data:text/html,x)"],
)
def test_render_markdown_leaves_plain_text_when_link_scheme_is_scripting(source):
    output = render_markdown(source)
    assert links(output) == []
    # The parser refused the link, so the source shows as typed.
    assert output == f"<p>{source}</p>\n"


SAFE_LINKS = [
    ("[x](https://example.com/a?b=1)", "https://example.com/a?b=1"),
    ("[x](http://example.com/)", "http://example.com/"),
    ("[x](mailto:someone@example.com)", "mailto:someone@example.com"),
    ("[x](/s/town-square)", "/s/town-square"),
    ("[x](../relative/path)", "../relative/path"),
    ("[x](#post-3)", "#post-3"),
    ("<https://example.com/auto>", "https://example.com/auto"),
    ("See https://example.com/bare for more", "https://example.com/bare"),
    ("[x](ftp://example.com/file)", None),
    ("[x](tel:123)", None),
    ("[x](file:///etc/passwd)", None),
]


@pytest.mark.parametrize(("source", "href"), SAFE_LINKS)
def test_render_markdown_keeps_only_web_and_mail_links_when_linking(source, href):
    found = links(render_markdown(source))
    if href is None:
        assert all("href" not in link for link in found)
    else:
        assert [link.get("href") for link in found] == [href]


@pytest.mark.parametrize(
    "html",
    [
        render_markdown("[x](https://example.com)"),
        render_markdown("<https://example.com>"),
        render_markdown("bare https://example.com link"),
        render_markdown("[relative](/t/1)"),
        sanitize_html('<a href="https://example.com" rel="opener" target="_blank">x</a>'),
        sanitize_html('<a href="/x">no rel</a>'),
    ],
)
def test_links_get_nofollow_ugc_noopener_when_rendered(html):
    found = links(html)
    assert found, html
    for link in found:
        assert set((link.get("rel") or "").split()) >= RELS_REQUIRED, html
        assert "opener" not in (link.get("rel") or "").split()
        assert "target" not in link


# --- code, images, tables -------------------------------------------------------


def test_render_markdown_marks_language_when_code_fence_names_one():
    output = render_markdown("```python\nprint('<b>')\n```")
    assert output == ("<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>\n")


@pytest.mark.parametrize(
    "source",
    [
        "```python onload=alert(1)\nx\n```",
        '```js" onmouseover="alert(1)\nx\n```',
        "```js class=evil id=x\nx\n```",
    ],
)
def test_render_markdown_keeps_only_language_class_when_fence_info_is_hostile(source):
    for tag, attrs in elements(render_markdown(source)):
        assert set(attrs) <= {"class"}, (tag, attrs)
        if "class" in attrs:
            assert tag == "code"
            assert re.fullmatch(r"language-[A-Za-z0-9_+-]+", attrs["class"] or ""), attrs


@pytest.mark.parametrize(
    "html",
    [
        '<code class="hljs language-py">x</code>',
        '<code class="evil">x</code>',
        '<code class="language-py evil">x</code>',
        '<pre class="language-py"><code>x</code></pre>',
        '<p class="language-py">x</p>',
    ],
)
def test_sanitize_html_drops_class_when_not_a_single_language_on_code(html):
    assert all("class" not in attrs for _, attrs in elements(sanitize_html(html)))


def test_render_markdown_keeps_image_when_source_is_a_same_site_path():
    assert images(render_markdown('![a cat](/uploads/cat.png "Cat")')) == [
        {"src": "/uploads/cat.png", "alt": "a cat", "title": "Cat"}
    ]


@pytest.mark.parametrize(
    "source",
    [
        "![a](https://evil.example/track.png)",
        "![a](http://evil.example/track.png)",
        "![a](//evil.example/track.png)",
        "![a](data:image/png;base64,iVBORw0KGgo=)",
        "![a](javascript:alert(1))",
        "![a](relative.png)",
    ],
)
def test_render_markdown_drops_image_source_when_not_same_site(source):
    # The image stays (as its alt text) or goes; its source never loads.
    assert all(set(image) == {"alt"} for image in images(render_markdown(source)))


@pytest.mark.parametrize(
    "source",
    ["![a](/\\evil.example/x.png)", "![a](</\t/evil.example/x.png>)", "![a](/&#9;/evil.example)"],
)
def test_render_markdown_keeps_image_on_site_when_source_hides_a_second_slash(source):
    for image in images(render_markdown(source)):
        assert "src" not in image or is_same_site_path(image["src"] or ""), image


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://evil.example/x.png">',
        '<img src="//evil.example/x.png">',
        '<img src="/\\evil.example/x.png">',
        '<img src="/&#9;/evil.example/x.png">',
        '<img src="/&#x0A;/evil.example/x.png">',
        '<img src="&#32;//evil.example/x.png">',
        '<img src="\\\\evil.example/x.png">',
    ],
)
def test_sanitize_html_drops_image_source_when_it_leaves_the_site(html):
    assert images(sanitize_html(html)) == [{}]


def test_render_markdown_renders_table_when_source_has_one():
    output = render_markdown("| Name | Count |\n|:-----|------:|\n| tea | 3 |\n| cake | 1 |")
    tags = [tag for tag, _ in elements(output)]
    assert tags[:3] == ["table", "thead", "tr"]
    assert tags.count("th") == 2
    assert tags.count("td") == 4
    assert "tbody" in tags
    # Alignment survives as the allow-listed align attribute, never as style.
    assert '<td align="left">cake</td>' in output
    assert '<td align="right">1</td>' in output
    assert "style" not in output


def test_render_markdown_keeps_no_alignment_when_a_column_has_none():
    output = render_markdown("| Name |\n|------|\n| tea |")
    assert "<td>tea</td>" in output
    assert "align" not in output


def test_render_markdown_renders_strikethrough_and_headings_when_used():
    output = render_markdown("# Title\n\n~~gone~~ **bold** _it_")
    assert output == "<h1>Title</h1>\n<p><s>gone</s> <strong>bold</strong> <em>it</em></p>\n"


def test_render_markdown_never_emits_id_or_name_when_headings_are_rendered():
    for _, attrs in elements(render_markdown("# csrf-token\n\n## location\n\n[a]: /x")):
        assert "id" not in attrs
        assert "name" not in attrs


# --- stored_html ------------------------------------------------------------------


def test_stored_html_marks_rendered_html_safe_when_printed():
    html = render_markdown("**hi**")
    marked = stored_html(html)
    assert isinstance(marked, Markup)
    assert str(marked) == html
    # Markup is not escaped again when a template prints it.
    assert str(Markup("{}").format(marked)) == html


def test_stored_html_gives_empty_markup_when_value_is_none():
    assert stored_html(None) == Markup("")
