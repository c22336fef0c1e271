#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A command run where no SECRET_KEY is set is a developer's machine: run it as development (DEBUG on) rather than
    # refuse to start. A deployment sets SECRET_KEY, and there DEBUG stays off unless the environment turns it on.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
