"""How the CLI reports failure: kubectl's wording on stderr and exit code 1.

    CliError          ``error: <message>``: bad usage, bad input, a failed wait
    ApiError          ``Error from server (<Reason>): <message>`` (from observe.client)
    ConnectionFailed  ``The connection to the server HOST:PORT was refused - ...``

Verbs raise; :mod:`observe.cli.main` formats. A verb that must go on after one object fails
(``apply`` over many documents, ``get`` of several names) reports with
:func:`describe_failure` itself and returns 1 at the end, as kubectl does.
"""

from __future__ import annotations

import errno
from urllib.parse import urlsplit

from observe.client.errors import ApiError, ConnectionFailed


class CliError(Exception):
    """A failure worded for the user; printed as ``error: <message>``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def server_error(error: ApiError, context: str = "") -> str:
    """``Error from server (NotFound): pods "x" not found``; ``context`` goes before the
    message (``error when creating "svc.yaml": ``)."""
    message = f"{context}{error.message}"
    if error.reason:
        return f"Error from server ({error.reason}): {message}"
    return f"Error from server: {message}"


def connection_error(error: ConnectionFailed, server: str) -> str:
    address = urlsplit(server).netloc or server
    if _refused(error):
        return (f"The connection to the server {address} was refused - did you specify the "
                "right host or port?")
    return f"Unable to connect to the server: {error}"


def _refused(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return True
        if "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe_failure(error: Exception, server: str, context: str = "") -> str:
    """The line kubectl prints for any failure a verb can meet."""
    if isinstance(error, ApiError):
        return server_error(error, context)
    if isinstance(error, ConnectionFailed):
        return connection_error(error, server)
    if isinstance(error, CliError):
        return f"error: {error.message}"
    return f"error: {error}"
