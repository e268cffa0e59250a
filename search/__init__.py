"""Architecture search on benchmark spaces with a simulated-training oracle and zero-cost scores.

Modules: :mod:`search.oracle` (budgeted validation-accuracy oracle), :mod:`search.scores` (zero-cost
score sources), one module per searcher (:mod:`search.random_search`, :mod:`search.rea`,
:mod:`search.reinforce`, :mod:`search.bo`, :mod:`search.local`, :mod:`search.zc`, :mod:`search.hnas`),
:mod:`search.encoding` (archs as tuples of choices, for REINFORCE and BO), :mod:`search.registry`
(name → searcher) and :mod:`search.results` (the harness entry point
:func:`search.results.run_search` and the runs / trajectory / summary tables).

Every searcher has the signature ``run(space, oracle, scores, rng, **params) -> None`` and queries the
oracle until it raises :class:`search.oracle.BudgetExhausted`. Searchers never see test accuracies: the
oracle holds only the validation-accuracy and training-time arrays; the harness looks test accuracies
up afterwards with :func:`search.results.report`.
"""
