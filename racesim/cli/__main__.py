"""`python -m racesim.cli ...` runs the command line."""

from racesim.cli.main import main

main()
