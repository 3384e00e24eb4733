"""`arama tune`: adapt the bundled model to one workspace, kept only if `arama eval` says so."""
