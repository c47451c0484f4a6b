"""HTML builders for the result objects: plain functions from a result to a string of static HTML (no
scripts, so it survives nbconvert, papermill outputs and GitHub). Used by the faces and by the IPython
display formatters registered in :mod:`.formatters`."""
