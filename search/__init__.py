"""Architecture search on benchmark spaces with a simulated-training oracle and zero-cost scores (layer 3).

Python API: :func:`search.run` (one searcher, one seed) → :class:`search.api.SearchResult`.

Modules: :mod:`search.oracle` (budgeted validation-accuracy oracle), :mod:`search.scores` (zero-cost
score sources), one module per searcher (:mod:`search.random_search`, :mod:`search.rea`,
:mod:`search.reinforce`, :mod:`search.bo`, :mod:`search.local`, :mod:`search.zc`, :mod:`search.hnas`),
:mod:`search.encoding` (archs as tuples of choices, for REINFORCE and BO), :mod:`search.registry`
(name → searcher, :func:`search.registry.register_searcher` for plug-ins) and :mod:`search.results` (one run
→ its runs / trajectory rows, and the summary tables).

Every searcher has the signature ``run(space, oracle, scores, rng, **params) -> None`` and queries the
oracle until it raises :class:`search.oracle.BudgetExhausted`. Searchers never see test accuracies: the
oracle holds only the validation-accuracy and training-time arrays; the harness looks test accuracies
up afterwards with :func:`search.results.report`.
"""

from search.api import SearchResult, run

__all__ = ["SearchResult", "run"]
