"""``%mlops register MODEL_VARIABLE --name NAME [--gate EXPR]... [--alias A] [--input-example VAR] [--run RUN_ID]
[--description TEXT] [--reference DATA]``: log a model variable in its training run and register a new version."""

from __future__ import annotations

from typing import Any

from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops register",
        description="Log a model variable with its MLflow flavor in the run that trained it (the tracked cell "
                    "that bound it, --run, the active run, or a new run) and register a new version. Every "
                    "--gate is checked against that run's metrics first: a failing gate registers nothing.",
    )
    p.add_argument("model", metavar="MODEL_VARIABLE", help="a fitted model in the notebook (anything with predict)")
    p.add_argument("--name", required=True, help="registered model name (created when missing)")
    p.add_argument("--gate", action="append", default=[], metavar="EXPR",
                   help='"METRIC OP NUMBER", OP one of >= > <= < == (repeatable), e.g. "accuracy >= 0.85"')
    p.add_argument("--alias", help="also point this alias at the new version (e.g. challenger)")
    p.add_argument("--input-example", metavar="VARIABLE", help="rows of input (DataFrame/array): example + signature")
    p.add_argument("--run", metavar="RUN_ID", help="log into this run (id, id prefix or run name)")
    p.add_argument("--description", metavar="TEXT", help="description of the version")
    p.add_argument("--reference", metavar="DATA",
                   help="training data (a DataFrame variable, table path or data version) summarised and stored "
                        "with the version, so '%%mlops drift NAME@ALIAS CUR' scores batches against it")
    return p


def run(ctx: MagicContext) -> Any:
    from ..registry import register

    args = build_parser().parse(ctx.argv)
    model = ctx.variable(args.model)
    example = ctx.variable(args.input_example) if args.input_example else None
    reference = None
    if args.reference:
        reference = ctx.user_ns[args.reference] if args.reference in ctx.user_ns else args.reference
    return register(model, args.name, gates=args.gate, alias=args.alias, input_example=example, run=args.run,
                    description=args.description, variable=args.model, reference=reference)
