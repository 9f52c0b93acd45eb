"""COMMANDS: parse, call the library, write, print; nothing else."""

from racesim.cli.main import main

__all__ = ["main"]
