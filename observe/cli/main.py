"""Entry point of the kubectl-like verbs: parse the command line, build the session, run
the verb, and turn every failure into kubectl's message and exit code.

``observe/__main__.py`` hands over every verb that is not a component name, so
``python -m observe get pods -n kube-system`` arrives here as
``main(["get", "pods", "-n", "kube-system"])``. Global flags (``--kubeconfig``,
``-n/--namespace``, ``--context``, ``--server``, ``--request-timeout``) are accepted before
or after the verb, as kubectl accepts them. Nothing below this module reads the environment
or the kubeconfig file.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TextIO

from observe.cli import (
    api_resources,
    apply,
    create,
    delete,
    describe,
    down,
    get,
    logs,
    rollout,
    scale,
    status,
    up,
    version,
)
from observe.cli.errors import CliError, describe_failure
from observe.cli.flags import duration
from observe.cli.session import ApiClient, Session
from observe.client.config import (
    ClientConfig,
    ConfigError,
    default_kubeconfig_path,
    load_kubeconfig,
)
from observe.client.errors import ApiError, ClientError, ConnectionFailed
from observe.client.sync import SyncClient

VERBS = (get, describe, apply, create, delete, logs, scale, rollout, api_resources, version,
         up, down, status)
# kubectl's address when there is no kubeconfig at all.
NO_CONFIG_SERVER = "http://localhost:8080"
GLOBAL_DEFAULTS = {"kubeconfig": None, "namespace": None, "context": None, "server": None,
                   "request_timeout": None}

ClientFactory = Callable[[ClientConfig], ApiClient]
_UNKNOWN_VERB = re.compile(r"argument VERB: invalid choice: '([^']*)'")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as kubectl does (``error: ...``, exit 1) instead
    of exiting with 2 from deep inside parsing."""

    def error(self, message: str) -> NoReturn:
        unknown = _UNKNOWN_VERB.match(message)
        if unknown:
            raise CliError(f'unknown command "{unknown.group(1)}" for "{self.prog}"')
        raise CliError(f"{message}\nSee '{self.prog} -h' for help and examples")


def global_flags() -> argparse.ArgumentParser:
    """The flags every verb takes; SUPPRESS keeps a verb's parser from overwriting a value
    given before the verb with its own default."""
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("global flags")
    group.add_argument("--kubeconfig", default=argparse.SUPPRESS,
                       help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    group.add_argument("-n", "--namespace", default=argparse.SUPPRESS,
                       help="namespace (default: the context's, else default)")
    group.add_argument("--context", default=argparse.SUPPRESS,
                       help="kubeconfig context to use")
    group.add_argument("-s", "--server", default=argparse.SUPPRESS,
                       help="apiserver URL, overriding the kubeconfig")
    group.add_argument("--request-timeout", type=duration, default=argparse.SUPPRESS,
                       help="end a watch after this long (e.g. 30s, 5m)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parents = [global_flags()]
    parser = _Parser(prog="observe", parents=parents,
                     description="kubectl-like commands against an observe (or any "
                                 "Kubernetes) apiserver")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for module in VERBS:
        module.register(verbs, parents)
    return parser


def load_config(args: argparse.Namespace, environ: Mapping[str, str]) -> ClientConfig:
    """The kubeconfig's cluster, overridden by ``--server``. As with kubectl, a kubeconfig
    that does not exist is an error only when named by ``--kubeconfig``; otherwise the CLI
    goes on without one (``--server``, else ``localhost:8080``)."""
    path = default_kubeconfig_path(environ, args.kubeconfig)
    if not os.path.exists(path):
        if args.kubeconfig:
            raise CliError(f"stat {path}: no such file or directory")
        return ClientConfig(server=args.server or NO_CONFIG_SERVER)
    try:
        config = load_kubeconfig(path, args.context)
    except ConfigError as e:
        raise CliError(str(e)) from e
    if args.server:
        config = dataclasses.replace(config, server=args.server)
    return config


def _default_client(config: ClientConfig) -> ApiClient:
    return SyncClient(config)


def main(
    argv: list[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
    client_factory: ClientFactory | None = None,
) -> int:
    """Run one CLI command and return its exit code; never raises for user errors."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    environ = os.environ if environ is None else environ
    server = ""
    client: Any = None
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
        if not getattr(args, "func", None):
            parser.print_help(out)
            return 0
        if extra:
            what = "unknown flag" if extra[0].startswith("-") else "unexpected argument"
            raise CliError(f"{what}: {extra[0]}\nSee 'observe {args.verb} --help' for usage.")
        for key, value in GLOBAL_DEFAULTS.items():
            if not hasattr(args, key):
                setattr(args, key, value)
        if getattr(args, "local", False):
            # up/down/status run the local cluster itself: no kubeconfig, no client.
            return args.func(Session(client=None, out=out, err=err), args)  # type: ignore[arg-type]
        config = load_config(args, environ)
        server = config.server
        client = (client_factory or _default_client)(config)
        session = Session(client=client, namespace=args.namespace or config.namespace,
                          namespace_explicit=bool(args.namespace), server=server,
                          out=out, err=err, stdin=stdin or sys.stdin)
        return args.func(session, args)
    except SystemExit as e:
        # argparse's --help: its text is printed already.
        return int(e.code or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (ApiError, ConnectionFailed, CliError) as e:
        _report(err, describe_failure(e, server))
        return e.code if isinstance(e, CliError) else 1
    except (ClientError, OSError) as e:
        _report(err, f"error: {e}")
        return 1
    except Exception as e:
        # A user never sees a traceback: anything else is a bug or an answer we could not
        # read, so say which, briefly.
        _report(err, f"error: {type(e).__name__}: {e}")
        return 1
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()


def _report(err: TextIO, line: str) -> None:
    err.write(line + "\n")
    err.flush()
