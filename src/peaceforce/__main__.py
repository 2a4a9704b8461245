"""``python -m peaceforce`` runs the command line."""

from peaceforce.cli import main

main()
