#!/usr/bin/env python3
"""Checks the docs without the network (part of `make docs`, so of `make test`).

1. The built book (target/book) has no broken internal link or anchor: every href/src that is
   not an absolute URL resolves to a file of the build, and its #fragment to an id in that file.
2. README.md: at most 200 lines; every relative link names a file of the checkout, and every
   #fragment a heading of the target.
3. Examples: a README code block after `<!-- example: PATH -->` is exactly the file PATH (or,
   for `PATH:NAME`, its lines between the mdBook markers `ANCHOR: NAME` and `ANCHOR_END: NAME`), and
   every such PATH and every `{{#include PATH}}` of the book names a file that the tests build
   and run (the path appears in the Makefile or a binding's test script or test folder).

Usage: scripts/check_docs.py [REPO]   (default: the folder above this script)
"""

from __future__ import annotations

import html.parser
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

README_MAX_LINES = 200


class Links(html.parser.HTMLParser):
    """The ids of one HTML page and the links it makes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if name in ("href", "src") and value:
                self.links.append(value)


def external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme) or url.startswith("//")


def parse(page: Path, cache: dict[Path, Links]) -> Links:
    if page not in cache:
        p = Links()
        p.feed(page.read_text(encoding="utf-8", errors="replace"))
        cache[page] = p
    return cache[page]


def check_book(book: Path) -> list[str]:
    errors: list[str] = []
    if not (book / "index.html").is_file():
        return [f"{book}/index.html is missing: build the book first (make docs)"]
    cache: dict[Path, Links] = {}
    # The rustdoc pages under api/ are checked by rustdoc itself (-D warnings).
    pages = [p for p in book.rglob("*.html") if "api" not in p.relative_to(book).parts[:1]]
    for page in pages:
        for url in parse(page, cache).links:
            if external(url) or url.startswith("javascript:"):
                continue
            parts = urlsplit(url)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(book)}: {url}"
            if not target.exists():
                errors.append(f"{where}: no such file in the build")
                continue
            if target.is_dir():
                target = target / "index.html"
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in parse(target, cache).ids:
                    errors.append(f"{where}: no anchor #{parts.fragment} in {target.name}")
    return errors


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    text = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def headings(md: str) -> set[str]:
    md = re.sub(r"```.*?```", "", md, flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", md, re.M)}


def test_files(repo: Path) -> str:
    """The text of everything that builds and runs examples in `make test`."""
    names = [repo / "Makefile"]
    for pattern in ("bindings/*/test.sh", "bindings/*/CMakeLists.txt", "bindings/*/tests/**/*",
                    "tests/**/*", "cli/tests/**/*"):
        names += [p for p in repo.glob(pattern) if p.is_file()]
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in names)


def region(text: str, anchor: str) -> str | None:
    """The whole file, or the lines between `ANCHOR: name` and `ANCHOR_END: name` (mdBook's
    markers, so the book can include the same lines with {{#include PATH:name}})."""
    if not anchor:
        return text
    m = re.search(rf"^[^\n]*\bANCHOR: {re.escape(anchor)}\b[^\n]*\n(.*?)^[^\n]*\bANCHOR_END: {re.escape(anchor)}\b", text, re.S | re.M)
    return m.group(1) if m else None


def check_readme(repo: Path, runners: str) -> list[str]:
    errors: list[str] = []
    readme = (repo / "README.md").read_text(encoding="utf-8")
    n = len(readme.splitlines())
    if n > README_MAX_LINES:
        errors.append(f"README.md has {n} lines (at most {README_MAX_LINES}): move detail into the book")
    body = re.sub(r"```.*?```", "", readme, flags=re.S)
    for m in re.finditer(r"\]\(([^)\s]+)\)", body):
        url = m.group(1)
        if external(url):
            continue
        parts = urlsplit(url)
        target = repo / unquote(parts.path) if parts.path else repo / "README.md"
        if not target.exists():
            errors.append(f"README.md: link {url}: no such file")
        elif parts.fragment and target.suffix == ".md" and parts.fragment not in headings(target.read_text()):
            errors.append(f"README.md: link {url}: no heading #{parts.fragment} in {target.name}")
    for m in re.finditer(r"<!-- example: (\S+) -->\s*\n```[^\n]*\n(.*?)```", readme, re.S):
        path, _, anchor = m.group(1).partition(":")
        block = m.group(2)
        file = repo / path
        if not file.is_file():
            errors.append(f"README.md: example {path}: no such file")
            continue
        text = region(file.read_text(encoding="utf-8"), anchor)
        if text is None:
            errors.append(f"README.md: example {path}: no region ANCHOR: {anchor} ... ANCHOR_END: {anchor}")
        elif text != block:
            errors.append(f"README.md: the block marked `example: {m.group(1)}` differs from the file")
        if path not in runners:
            errors.append(f"README.md: example {path} is not built or run by any test")
    if "<!-- example:" in readme and not re.search(r"<!-- example: \S+ -->\s*\n```", readme):
        errors.append("README.md: an `example:` marker is not followed by a code block")
    return errors


def check_includes(repo: Path, runners: str) -> list[str]:
    errors: list[str] = []
    src = repo / "docs" / "src"
    for md in src.rglob("*.md"):
        for m in re.finditer(r"\{\{#include\s+([^}:\s]+)(?::[^}]*)?\}\}", md.read_text(encoding="utf-8")):
            file = (md.parent / m.group(1)).resolve()
            rel = file.relative_to(repo.resolve()).as_posix() if file.is_relative_to(repo.resolve()) else str(file)
            if not file.is_file():
                errors.append(f"{md.relative_to(repo)}: include {m.group(1)}: no such file")
            elif rel.startswith("examples/") and rel not in runners:
                errors.append(f"{md.relative_to(repo)}: example {rel} is not built or run by any test")
    return errors


def main() -> int:
    repo = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    runners = test_files(repo)
    errors = check_book(repo / "target" / "book") + check_readme(repo, runners) + check_includes(repo, runners)
    for e in errors:
        print(f"check_docs: {e}", file=sys.stderr)
    if errors:
        return 1
    pages = sum(1 for _ in (repo / "target" / "book").rglob("*.html"))
    print(f"check_docs: book ({pages} pages with the API docs), README and examples: no broken link, anchor or example")
    return 0


if __name__ == "__main__":
    sys.exit(main())
