"""The error type users see: its message is printed as-is, without a traceback."""


class VelosError(Exception):
    """A problem the user can fix (bad input file, missing setup, server down).

    The message must name what is wrong (file, column, line, host...) and what to do.
    The CLI prints it and exits with status 2.
    """
