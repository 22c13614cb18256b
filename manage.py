#!/usr/bin/env python
"""Django's usual entry point; the same as the ``alongside`` command."""

from alongside.__main__ import main

if __name__ == "__main__":
    main()
