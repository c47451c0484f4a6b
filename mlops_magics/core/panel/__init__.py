"""What the jupyter_server extension behind the JupyterLab panel reads: runs, models, data and pipelines of
one project, notebook parameters, path rules, and one-notebook jobs."""
