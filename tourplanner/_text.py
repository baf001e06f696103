r"""Neutralising untrusted text for each output format (private).

Catalogue names, descriptions, tour labels and street names come from files a
user (or an attacker) wrote. Each output format has its own way to turn text
into something live: a spreadsheet formula, a Markdown link or raw HTML, a
control character that breaks XML, an ANSI escape that rewrites the terminal,
a bidi override that reverses the text after it. One function per format makes
such text inert while ordinary Unicode (Chinese, Finnish, emoji) is kept as it
is.

Examples
--------
>>> csv_cell('=HYPERLINK("http://x")')
'\'=HYPERLINK("http://x")'
>>> markdown_text("[x](javascript:alert(1)) <b>")
'\\[x\\]\\(javascript\\:alert\\(1\\)\\) \\<b\\>'
>>> terminal_text("red \x1b[31mtext\x1b[0m")
'red text'
>>> html_text("Tiexi \u202eevil")
'Tiexi evil'
>>> xml_text("a\x00b")
'ab'
"""

from __future__ import annotations

import html
import re
import string
from typing import Final

import pandas as pd

__all__ = [
    "BIDI_CONTROLS",
    "csv_cell",
    "csv_frame",
    "html_text",
    "markdown_text",
    "plain_text",
    "terminal_text",
    "xml_text",
]

#: Bidirectional embedding, override and isolate controls (Unicode TR9), which
#: reorder the text that follows them. Marks (U+200E/U+200F) are harmless.
BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CSV_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
#: CSI, OSC (ended by BEL or ST), and other two-character ESC sequences.
_ESCAPE: Final = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[@-Z\\-_]"  # other ESC sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
#: Characters XML 1.0 forbids (section 2.2), lone surrogates included.
_XML_FORBIDDEN: Final = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: ASCII punctuation that can start Markdown syntax inside a line (emphasis, code, links,
#: images, raw HTML, entities, tables, strike-through, autolinks); ``- ' , " / ; ? % $ = +``
#: only matter at the start of a line, where catalogue text never is, so names keep them.
_MD_SPECIAL: Final = re.compile(
    "([" + re.escape("".join(c for c in string.punctuation if c not in "-',\"/;?%$=+")) + "])"
)


def plain_text(value: object) -> str:
    """Return ``value`` as one line of text without control or bidi characters.

    Escape sequences are removed whole; other control characters (line
    breaks and tabs included) become spaces; lone surrogates are dropped.

    Parameters
    ----------
    value
        Any value; ``str(value)`` is used.

    Returns
    -------
    str
        The cleaned text.
    """
    text = _ESCAPE.sub("", str(value))
    text = "".join(" " if c in "\t\n\r\v\f" else c for c in text if c not in BIDI_CONTROLS)
    return _CONTROL.sub("", text)


def terminal_text(value: object) -> str:
    """Return text safe to print on a terminal (no ANSI/OSC escapes, no controls)."""
    return plain_text(value)


def xml_text(value: object) -> str:
    """Return text that XML 1.0 accepts: forbidden characters and bidi controls dropped."""
    text = "".join(c for c in str(value) if c not in BIDI_CONTROLS)
    return _XML_FORBIDDEN.sub("", text)


def html_text(value: object) -> str:
    """Return HTML-escaped text with bidi overrides and control characters removed.

    Quotes, backticks and ``$`` are escaped too, so the text is also inert in
    an attribute value and in a JavaScript template literal.
    """
    escaped = html.escape(plain_text(value), quote=True)
    return escaped.replace("`", "&#96;").replace("$", "&#36;")


def markdown_text(value: object) -> str:
    """Return text that Markdown renders literally.

    ASCII punctuation that can start inline syntax is backslash-escaped
    (CommonMark allows that for all punctuation), so no emphasis, code, link,
    image, raw HTML, entity or autolink can start inside the text; line breaks
    become spaces. The text is meant to follow a prefix on its line (a list
    marker, a heading mark), as everywhere in the itinerary.
    """
    return _MD_SPECIAL.sub(r"\\\1", plain_text(value))


def csv_cell(value: object) -> object:
    """Neutralise one CSV cell by OWASP's rule; non-text values pass unchanged.

    A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading apostrophe, so a spreadsheet shows it as
    text instead of evaluating it as a formula.
    """
    if not isinstance(value, str):
        return value
    text = "".join(c for c in value if c not in BIDI_CONTROLS)
    return "'" + text if text.startswith(_CSV_TRIGGERS) else text


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell, label and index value neutralised."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(csv_cell).to_numpy())
    out.columns = pd.Index([csv_cell(str(c)) for c in out.columns])
    out.index = pd.Index([csv_cell(v) for v in out.index], name=out.index.name)
    return out
