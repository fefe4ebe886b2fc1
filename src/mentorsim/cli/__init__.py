"""The ``mentorsim`` command line: one dispatcher, one module per command."""
