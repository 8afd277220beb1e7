"""Write intent of `flask` commands follows from the command, not from its body: every
command the app registers declares it before its body runs, except those marked
`reads_only`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from decisions.database import reads_only, with_write_intent, writes_expected

DECISIONS = Path(__file__).resolve().parent.parent / "decisions"


def _leaves(command: click.Command, path: str = ""):
    """(path, command) of Samråd's own commands (not Flask-Migrate's `flask db`)."""
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _leaves(sub, f"{path} {name}".strip())
    elif command.callback.__module__.startswith("decisions."):
        yield path, command


def test_every_registered_command_declares_write_intent_unless_it_only_reads(app):
    commands = dict(_leaves(app.cli))
    assert {"sweep", "users create", "audit verify"} <= set(commands)
    undeclared = [path for path, command in commands.items()
                  if not getattr(command.callback, "declares_writes", False)
                  and not getattr(command.callback, "reads_only", False)]
    assert undeclared == []
    assert {path for path, command in commands.items()
            if getattr(command.callback, "reads_only", False)} == {"audit verify", "backup"}


def test_a_command_runs_with_write_intent_and_a_reads_only_command_without(app, runner):
    seen = {}
    group = AppGroup("probe")

    @group.command("write")
    def write():
        seen["write"] = writes_expected()

    @group.command("read")
    @reads_only
    def read():
        seen["read"] = writes_expected()

    for name in ("write", "read"):
        result = runner.invoke(with_write_intent(group), [name])
        assert result.exit_code == 0, result.output
    assert seen == {"write": True, "read": False}
    assert not getattr(write.callback, "declares_writes", False), "the module's own is kept"


def test_no_command_body_declares_write_intent_itself():
    bodies = [path.relative_to(DECISIONS).as_posix() for path in DECISIONS.rglob("cli.py")
              if "expect_writes(" in path.read_text(encoding="utf-8")]
    assert bodies == []
