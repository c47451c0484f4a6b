"""docs/magics.md is exactly what the parsers say (regenerate: python -m mlops_magics.magics.reference)."""

from pathlib import Path

from mlops_magics.magics.reference import reference_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "magics.md"


def test_reference_page_matches_the_parsers():
    assert PAGE.read_text() == reference_markdown(), (
        "docs/magics.md is stale: run `python -m mlops_magics.magics.reference > docs/magics.md`"
    )
