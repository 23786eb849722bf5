"""The Jinja2 report and mail templates: package data, read through importlib.resources (by `aimsflow.render`)."""
