"""The entry points (top layer): the Hydra apps ``correlate`` and ``search``, the report, the regression
references, and what they write (leaderboards, plots). Run them with ``python -m bench <app>``."""
