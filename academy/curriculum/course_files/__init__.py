"""The course folder format, read and checked without a database.

A module lives in ``<slug>/`` (English) or ``<slug>.<language>/`` and holds ``module.yaml``,
``lessons/NN-slug.md`` (front matter, then Markdown) and optionally ``quiz.yaml``; courses/README.md
documents the format. ``specs`` names the files and holds what is read from them; ``module_yaml``,
``lessons`` and ``quiz_yaml`` read one kind of file each; ``folders`` reads a whole module folder or
a courses/ folder. Every reader takes a path and returns what it read together with every problem
found, so that a writer sees all mistakes at once.
"""
