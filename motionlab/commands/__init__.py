"""One module per command line command; each has add_parser(subparsers) that sets `run`."""
