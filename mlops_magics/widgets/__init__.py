"""Views of result objects: static HTML builders and (lazily imported) widgets."""
