"""`arama eval`: search quality measured on the user's own repository.

    docstrings.py  documented functions of a source file, and the file with docs removed
"""
