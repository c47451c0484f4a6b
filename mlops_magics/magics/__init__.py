"""The ``%mlops`` magics: a dispatcher, one small module per sub-command, the argument parser."""

from .dispatch import MlopsMagics

__all__ = ["MlopsMagics"]
