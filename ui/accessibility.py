"""The accessibility statement served at /accessibility, in the model format for UK public sector websites.

What it says about testing is what the test suite does (tests/test_accessibility.py):
keep the two in step when either changes.
"""

from __future__ import annotations

from retrieval.settings import Settings
from ui.highlight import escape

TESTED_ON = "3 December 2026"
AXE_VERSION = "4.12"
RULE_SETS = ("wcag2a", "wcag2aa", "wcag21aa", "wcag22aa")

KNOWN_ISSUES = (
    "Images of PDF pages in the Sources panel show the cited lines marked in yellow; the same passage is "
    "always given as text beside the image, so nothing is conveyed by the image alone.",
    "Text read from scanned pages by optical character recognition (OCR) may contain misread words; such "
    "passages are labelled “read by OCR”. The original PDF can be opened at the page.",
    "Documents themselves (PDF and Word files published by other bodies) may not be accessible; Quorum shows "
    "their text, which assistive technology can read, but cannot change the files.",
)

_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accessibility statement for Quorum</title>
<style>
  body {{ font-family: system-ui, sans-serif; line-height: 1.55; max-width: 42rem; margin: 0 auto;
         padding: 1.5rem 1rem 3rem; color: #1b1b1b; background: #fff; }}
  a {{ color: #1d4ed8; }}
  a:focus-visible {{ outline: 3px solid #b45309; outline-offset: 2px; }}
  h1 {{ font-size: 1.8rem; }} h2 {{ font-size: 1.3rem; margin-top: 2rem; }}
</style>
</head>
<body>
<main>
<p><a href="/">Back to Quorum</a></p>
<h1>Accessibility statement for Quorum</h1>
<p>This statement applies to this Quorum service{host}. Quorum answers questions about public governance
documents with sentences quoted from them, each one cited.</p>
<p>We want as many people as possible to be able to use it. For example, you should be able to:</p>
<ul>
<li>change colours, contrast levels and fonts using your browser or device settings</li>
<li>zoom in up to 400% without the text spilling off the screen, and use it on a screen 320 pixels wide</li>
<li>ask a question, move to a citation, read its passage and come back using just a keyboard</li>
<li>hear new answers announced by a screen reader, and hear which document each citation marker points to</li>
</ul>

<h2>How accessible this service is</h2>
<p>We know some parts are not fully accessible:</p>
<ul>{issues}</ul>

<h2>Feedback and contact information</h2>
<p>If you need information from this service in a different format, or you find a problem not listed on this
page, {contact} We will reply within 5 working days.</p>

<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies
(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the “accessibility regulations”).
If you are not happy with how we respond to your complaint, contact the
<a href="https://www.equalityadvisoryservice.com/">Equality Advisory and Support Service (EASS)</a>.</p>

<h2>Technical information about this service's accessibility</h2>
<p>We are committed to making this service accessible, in accordance with the Public Sector Bodies (Websites
and Mobile Applications) (No. 2) Accessibility Regulations 2018.</p>
<h3>Compliance status</h3>
<p>This service is fully compliant with the <a href="https://www.w3.org/TR/WCAG22/">Web Content
Accessibility Guidelines version 2.2</a> AA standard, as far as automated and keyboard testing can show.
The content listed below is provided by others and is outside our control.</p>
<h3>Content that is not within the scope of the accessibility regulations</h3>
<p>The PDF and Word documents that answers quote are published by other organisations. Quorum shows their text
and links to them; it does not alter them.</p>

<h2>How we tested this service</h2>
<p>This service was last tested on {tested}. Every change to it is tested automatically before release:</p>
<ul>
<li>axe-core {axe} checks ({rules}) run in headless Chromium on every state of the app: empty, answered,
sources open, filters open, an error, and the admin sign-in page; a change with any violation is not released</li>
<li>a keyboard-only test asks a question, moves to a citation, opens its passage and returns, using Tab, Enter
and Escape, and checks that focus is always visible</li>
<li>screenshots at 200% zoom and at 320 pixels wide check that the page reflows without scrolling sideways</li>
</ul>

<h2>What we are doing to improve accessibility</h2>
<p>We fix reported problems first, and add each one to the automated tests so that it stays fixed.</p>
<p>This statement was prepared on {tested}. It was last reviewed on {tested}.</p>
</main>
</body>
</html>
"""


def statement_html(settings: Settings, host: str = "") -> str:
    """The statement, with the contact the operator configured (``accessibility_contact``)."""
    contact = settings.accessibility_contact.strip()
    if contact.startswith(("http://", "https://")):
        reach = f'<a href="{escape(contact)}">tell us here</a>.'
    elif "@" in contact:
        reach = f'email <a href="mailto:{escape(contact)}">{escape(contact)}</a>.'
    else:
        reach = "contact the organisation that runs this service."
    return _PAGE.format(
        host=f" at {escape(host)}" if host else "",
        issues="".join(f"<li>{escape(issue)}</li>" for issue in KNOWN_ISSUES),
        contact=reach,
        tested=TESTED_ON,
        axe=AXE_VERSION,
        rules=", ".join(RULE_SETS),
    )
