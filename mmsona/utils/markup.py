"""Text of any origin (file names ...) in the HTML and Markdown mmsona writes.

File names can hold anything but ``/``: ``<img src=x onerror=alert(1)>.jpg``
or ``a|b*c.jpg`` must appear as that text, not as markup.
"""
import html
import re

__all__ = ['html_text', 'markdown_code', 'markdown_text', 'safe_stem']

# Characters that start inline Markdown syntax (emphasis, code, links,
# strike-through, GitHub math) or end a table cell; a backslash makes each
# literal. '&', '<', '>', '"' and "'" become HTML entities instead.
_MARKDOWN_PUNCT = re.compile(r'([\\`*_\[\]|~$])')


def html_text(text: object) -> str:
    """``text`` escaped for HTML element content and quoted attributes.

    Args:
        text (object): Any value; ``str(text)`` is escaped.

    Returns:
        str: The text with ``& < > " '`` as entities.
    """
    return html.escape(str(text), quote=True)


def markdown_text(text: object) -> str:
    """``text`` escaped for Markdown, table cells included.

    Line breaks become spaces (a cell is one line), Markdown punctuation is
    backslash-escaped and HTML's special characters become entities, so a
    renderer shows exactly the characters of ``text``.

    Args:
        text (object): Any value; ``str(text)`` is escaped.

    Returns:
        str: The escaped text.
    """
    flat = ' '.join(str(text).splitlines())
    return html_text(_MARKDOWN_PUNCT.sub(r'\\\1', flat))


def markdown_code(text: object) -> str:
    """``text`` as a Markdown code span for a table cell.

    A code span shows its content literally (``<img ...>`` is text, not
    HTML); its fence is one backtick longer than any run of backticks in
    ``text``, line breaks become spaces and ``|`` is escaped as GitHub
    tables require.

    Args:
        text (object): Any value; ``str(text)`` is used.

    Returns:
        str: The code span.
    """
    flat = ' '.join(str(text).splitlines()).replace('|', r'\|')
    longest = max((len(run) for run in re.findall('`+', flat)), default=0)
    fence = '`' * (longest + 1)
    pad = ' ' if flat[:1] in ('`', ' ') or flat[-1:] in ('`', ' ') else ''
    return f'{fence}{pad}{flat}{pad}{fence}'


def safe_stem(text: object, max_len: int = 100) -> str:
    """A file-name part made of ``[A-Za-z0-9._-]`` only.

    Other characters become ``_``, so names written after input files are
    valid on every file system and plain in any link to them.

    Args:
        text (object): Any value (e.g. an input file's stem).
        max_len (int): Longest result. Defaults to 100.

    Returns:
        str: The safe name part (``_`` for an empty one).
    """
    stem = re.sub(r'[^A-Za-z0-9._-]', '_', str(text))[:max_len]
    return stem.lstrip('.') or '_'
