"""The ``peaceforce`` script's entry point, which imports the command line only when it runs.

The local Dask workers of ``peaceforce sweep --workers N`` are new Python processes, and
Python's multiprocessing imports the parent's main script again in each of them: whatever
the script imports at its top, every worker imports too. The whole command line takes
about 1.4 s to import; this module takes nothing, so a worker pays only for what it uses.
"""


def main() -> None:
    """Run the command line (:func:`peaceforce.cli.main`)."""
    from peaceforce.cli import main as command_line

    command_line()
