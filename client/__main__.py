from client.cli import run_cli

run_cli()
