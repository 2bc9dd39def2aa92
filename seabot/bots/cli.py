"""The ``seabot`` command line: thin commands over the library, clean errors, exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from seabot.bots.commands import COMMANDS
from seabot.bots.config import config_path, load_config
from seabot.bots.errors import ConfigError, UnknownBotError
from seabot.bots.logs import configure_logging
from seabot.bots.redaction import Redactor
from seabot.core.errors import CoreError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seabot", description="Multilingual customer-service bot for merchants.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="config file (default: $SEABOT_CONFIG or config.toml)")
    common.add_argument("--log-level", default=os.environ.get("SEABOT_LOG_LEVEL", "INFO"), help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    path = config_path(args.config, os.environ)
    if getattr(args, "config_optional", False) and not path.exists() and args.config is None:
        # detect and route work anywhere with the built-in rules: no config file is needed
        return int(args.run(args, None) or 0)
    try:
        config = load_config(path)
    except ConfigError as exc:
        if getattr(args, "command", "") == "check":
            print(f"{exc.source}: {len(exc.problems)} problem(s):", file=sys.stdout)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stdout)
            return 1
        print(f"seabot: cannot start, the config has problems ({exc.source}):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("  (run `seabot check` after fixing them)", file=sys.stderr)
        return 1
    redact = Redactor.for_config(config)
    configure_logging(args.log_level, redact)
    try:
        return int(args.run(args, config) or 0)
    except UnknownBotError as exc:
        print(f"seabot: {redact(str(exc))}", file=sys.stderr)
        return 2
    except CoreError as exc:
        print(f"seabot: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `seabot … | head`: the reader has gone; nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail too
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
