"""`arama eval`: search quality measured on the user's own repository.

The CodeSearchNet recipe, run in memory: the first sentence of a documented function is a query,
the function its answer, and the documentation is hidden from a separate evaluation index (given
to it as editor buffers, so no file of the workspace is written and the user's own index is never
opened). Modules, one job each:

    docstrings.py  documented functions of a source file, and the file with docs removed
    mining.py      the eligible (query, definition) pairs of a folder, and a seeded sample
    queries.py     the user's own (question, path[:line]) pairs from a file
    targets.py     what counts as finding an answer
    metrics.py     MRR@10 and Recall@k from ranks; per mode, per language; slowest queries
    runner.py      the run itself, over a second Engine (the only module that uses the engine)
    report.py      the report as JSON and as a table

Nothing here imports the CLI; `arama.cli` parses, calls `runner.evaluate` and prints.
"""
