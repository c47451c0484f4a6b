"""%mlops pipeline run / show / status on a real InteractiveShell (one real kernel)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from notebook_factory import write_nb

from mlops_magics.render.formatters import html as html_of

pytestmark = pytest.mark.kernel


@pytest.fixture
def published(ip, monkeypatch):
    """Everything the magic displays: (html, display_id, is_update)."""
    seen: list[tuple[str, str | None, bool]] = []

    def publish(data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        seen.append((data.get("text/html", ""), (transient or {}).get("display_id"), update))

    monkeypatch.setattr(ip.display_pub, "publish", publish)
    return seen


def test_show_status_run_and_failure(ip, mlops_home, published):
    root = mlops_home.parent
    write_nb(root / "one.ipynb", "word = 'x'", "open('one.txt', 'w').write(word)")
    write_nb(root / "two.ipynb", None, "open('two.txt', 'w').write(open('one.txt').read() * 2)")
    (root / "p.yaml").write_text("name: tiny\nsteps:\n"
                                 "  one: {notebook: one.ipynb, parameters: {word: hi}, outputs: [one.txt]}\n"
                                 "  two: {notebook: two.ipynb, inputs: [one.txt]}\n")

    graph = ip.run_line_magic("mlops", "pipeline show p.yaml")
    html = html_of(graph)
    assert "<svg" in html and 'data-step="two"' in html and "one.ipynb" in html and "pipeline tiny" in repr(graph)

    plan = ip.run_line_magic("mlops", "pipeline run p.yaml --dry-run")
    assert [s.state for s in plan.steps.values()] == ["would run", "would run"]

    with pytest.raises(UsageError, match="no pipeline has run in this project yet"):
        ip.run_line_magic("mlops", "pipeline status")

    before = len(published)
    result = ip.run_line_magic("mlops", "pipeline run p.yaml -p word=ab")
    assert result.ok and (root / "two.txt").read_text() == "abab"
    live = [p for p in published[before:] if p[1]]
    assert len({d for _, d, _ in live}) == 1 and sum(u for _, _, u in live) >= 4  # one view, updated live
    assert any("running" in h for h, _, _ in live) and live[-1][0] == ""  # cleared: the result shows instead
    assert "executed notebook" in html_of(result) and "one.ipynb" in html_of(result)

    status = ip.run_line_magic("mlops", "pipeline status")
    assert status.run_id == result.run_id and [s.state for s in status.steps.values()] == ["succeeded"] * 2
    # relative to a plain run (no -p), the steps are stale
    assert [s.reason for s in status.steps.values()] == ["stale: parameters changed: word",
                                                         "stale: upstream step one changed"]

    write_nb(root / "two.ipynb", None, "1 / 0")
    with pytest.raises(UsageError, match=r"pipeline tiny failed \(1 cached, 1 failed\); two: cell 1: "
                                         r"ZeroDivisionError: division by zero"):
        ip.run_line_magic("mlops", "pipeline run p.yaml -p word=ab")
    assert "failed" in published[-1][0]  # the table stays, showing the failure

    with pytest.raises(UsageError, match="unknown key 'stepz'"):
        ip.run_line_magic("mlops", "pipeline show " + str(_write(root / "bad.yaml", "stepz: {}\nsteps: {}\n")))
    with pytest.raises(UsageError, match="--jobs 0: give 1 or more"):
        ip.run_line_magic("mlops", "pipeline run p.yaml --jobs 0")


def _write(path, text):
    path.write_text(text)
    return path
