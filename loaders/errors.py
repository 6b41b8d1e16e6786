"""The loader's error type: a problem the user can fix, with a message that says how."""


class LoaderError(Exception):
    """Bad configuration, a node that does not answer, a refused login, a failed load.

    The message names what is wrong (host, table, setting) and what to do, and never holds
    a credential. Callers print it as-is, without a traceback.
    """


class NothingAnswers(LoaderError):
    """No Cassandra node answers at the configured hosts (connection refused or timed out).

    The one failure after which starting a local node is the right answer; every other
    connection failure (login, TLS, permissions) means a node is there and must be reported.
    """
