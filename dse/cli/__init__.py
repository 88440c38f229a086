"""The ``dse`` command line."""
