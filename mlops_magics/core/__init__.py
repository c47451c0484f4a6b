"""Pure-Python core of mlops_magics: no IPython, no widgets, nothing printed or displayed."""
