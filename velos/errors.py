"""The error types users see: their message is printed as-is, without a traceback."""

from loaders.errors import LoaderError


class VelosError(Exception):
    """A problem the user can fix (bad input file, missing setup, server down).

    The message must name what is wrong (file, column, line, host...) and what to do.
    The CLI prints it and exits with status 2.
    """


# what the CLI reports as the user's to fix (status 2), never as an internal error
USER_ERRORS = (VelosError, LoaderError)
