#!/usr/bin/env python3
"""Checks that every Swift example in the README and the DocC articles compiles and runs.

Each ```swift block that follows a line `<!-- example: NAME -->` must appear, verbatim (after
stripping the common indentation), in Tests/StarlingChannelsTests/DocumentationExamplesTests.swift,
where a test compiles and runs it. Blocks without the marker (installation snippets, fragments)
are not checked.
"""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(__file__).resolve().parent.parent
documents = [root / "README.md", *sorted((root / "Sources").glob("*/Docs.docc/**/*.md"))]
tests = "\n".join(p.read_text() for p in (root / "Tests").glob("*/DocumentationExamplesTests.swift"))
normalized_tests = "\n".join(line.strip() for line in tests.splitlines())

pattern = re.compile(r"<!-- example: ([\w-]+) -->\s*```swift\n(.*?)```", re.S)
failures, checked = [], 0
for document in documents:
    for name, code in pattern.findall(document.read_text()):
        checked += 1
        body = "\n".join(line.strip() for line in textwrap.dedent(code).strip().splitlines())
        if body not in normalized_tests:
            failures.append(f"{document.relative_to(root)}: example '{name}' is not in a DocumentationExamplesTests.swift")
for failure in failures:
    print(failure, file=sys.stderr)
print(f"{checked} documentation examples checked, {len(failures)} missing")
sys.exit(1 if failures else 0)
