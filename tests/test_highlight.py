"""Text from visitors and documents is made inert before Markdown or HTML renders it."""

from __future__ import annotations

import html

import pytest

from ui.highlight import escape_markdown


@pytest.mark.parametrize(
    "text",
    [
        "Sign in at https://example.org/login now",
        "See WWW.example.org for more",
        "Write to help@example.org",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_nothing_that_a_renderer_would_link_or_tag_survives_escaping(text: str) -> None:
    escaped = escape_markdown(text)
    assert "://" not in escaped and "www." not in escaped.lower() and "@" not in escaped and "<" not in escaped
    assert html.unescape(escaped).replace("\\", "") == text  # and it reads exactly as written


def test_times_decimals_and_ordinary_words_are_left_as_they_are() -> None:
    assert escape_markdown("At 10:30 the rate was 3.5%, e.g. wwwx.") == "At 10:30 the rate was 3.5%, e.g. wwwx."
