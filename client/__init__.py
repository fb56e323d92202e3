"""Python SDK and ``heurist`` command-line client, talking to the REST API only."""
