"""``%mlops track`` (the notebook run) and ``%%mlops track`` (a cell in its own run)."""

from __future__ import annotations

import argparse
import ast
import functools
from typing import Any

from IPython.display import display

from ..core.tracking import notebook_runs, runs
from ..core.tracking.cell_runs import CellOptions, run_tracked_cell
from ..core.tracking.provenance import notebook_path
from .context import MagicContext
from .extension import hooks_for
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise argparse.ArgumentTypeError(f"not variable names: {', '.join(bad)}")
    return names


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        "%mlops track",
        description=(
            "As a line magic: start the notebook run, which records every executed cell until "
            "%mlops stop. As a cell magic (%%mlops track): run the cell in its own run (a child "
            "of the notebook run when one is active), logging top-level literal assignments as "
            "params and computed numbers as metrics."
        ),
    )
    parser.add_argument("--experiment", help="experiment name (created when missing)")
    parser.add_argument("--run-name", help="name of the run")
    parser.add_argument("--params", type=_names, metavar="a,b", help="log exactly these variables as params")
    parser.add_argument("--metrics", type=_names, metavar="x,y", help="log exactly these variables as metrics")
    parser.add_argument("--no-autolog", action="store_true",
                        help="do not autolog framework fits (scikit-learn, XGBoost, LightGBM, Keras, PyTorch "
                             "Lightning, ...: every one MLflow autologs that the notebook imported)")
    parser.add_argument("--no-chart", action="store_true",
                        help="no live chart of the metrics logged with steps (drawn while the cell runs, "
                             "kept as a picture)")
    parser.add_argument("--no-code", action="store_true", help="do not store cell sources")
    parser.add_argument("--no-env", action="store_true", help="do not store the package list (line magic)")
    return parser


@functools.lru_cache(maxsize=1)
def _parser() -> MagicArgumentParser:
    return build_parser()  # built once: a tracked cell should not pay for argparse every time


def run(ctx: MagicContext) -> Any:
    args = _parser().parse(ctx.argv)
    if ctx.cell is None:
        return _start_notebook_run(ctx, args)
    return _track_cell(ctx, args)


def _start_notebook_run(ctx: MagicContext, args: Any) -> Any:
    from IPython.core.error import UsageError

    if args.params or args.metrics or args.no_autolog or args.no_chart:
        raise UsageError("%mlops track: --params, --metrics, --no-autolog and --no-chart are for %%mlops track cells")
    run, started = notebook_runs.start(
        experiment=args.experiment,
        run_name=args.run_name,
        notebook=notebook_path(ctx.shell.user_ns),
        capture_code=not args.no_code,
        capture_env=not args.no_env,
    )
    handle = run.handle
    if not started:
        print(f"mlops: the notebook run '{handle.name}' ({handle.run_id}) is already active and stays so; "
              "%mlops stop ends it")
        return None
    print(f"mlops: notebook run '{handle.name}' ({handle.run_id}) started; every executed cell is recorded "
          "until %mlops stop")
    return None


def _compile_cell(shell: Any, python: str) -> tuple[Any, Any, ast.Module]:
    """Code for all statements but a trailing expression, code for that expression (or None), and the
    cell's syntax tree (parsed once: the stale-state check and the capture read it too)."""
    filename = shell.compile.cache(python)
    tree = shell.compile.ast_parse(python, filename=filename)
    statements, last = tree, None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        statements = ast.Module(body=tree.body[:-1], type_ignores=tree.type_ignores)
        last = ast.Expression(tree.body[-1].value)
    body = shell.compile(statements, filename, "exec")
    tail = shell.compile(last, filename, "eval") if last is not None else None
    return body, tail, tree


def _track_cell(ctx: MagicContext, args: Any) -> Any:
    shell = ctx.shell
    python = shell.transform_cell(ctx.cell)
    body, tail, tree = _compile_cell(shell, python)  # a SyntaxError surfaces before any run starts
    hooks = hooks_for(shell)
    stale = []
    if hooks is not None:
        stale = hooks.lineage.stale_reads(tree)
        hooks.cell_tree = tree  # recorded in the lineage after the cell (the names it binds)
    namespace = shell.user_ns
    live = not args.no_chart and "text/html" in shell.display_formatter.active_types  # not a terminal

    def run_cell() -> Any:
        exec(body, namespace)
        return eval(tail, namespace) if tail is not None else None

    def execute() -> Any:
        if not live:
            return run_cell()
        from ..widgets.chart_widget import LiveRunChart

        handle = runs.active_run()  # the cell's run, started by run_tracked_cell
        chart = LiveRunChart(handle)
        try:
            with chart:
                return run_cell()
        finally:
            handle.warnings.extend(chart.problems)

    outcome = run_tracked_cell(
        python,
        execute,
        namespace,
        CellOptions(
            run_name=args.run_name,
            experiment=args.experiment,
            params=args.params,
            metrics=args.metrics,
            autolog=not args.no_autolog,
            capture_code=not args.no_code,
        ),
        stale=stale,
        notebook=notebook_path(namespace),
        execution_count=hooks.execution_count if hooks is not None else None,
        tree=tree,
    )
    display(outcome.card)
    if outcome.error is not None:
        raise outcome.error.with_traceback(outcome.error.__traceback__)
    return outcome.value
