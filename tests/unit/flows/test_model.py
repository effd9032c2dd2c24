from __future__ import annotations

import pytest

from agentfloor.flows import (
    Block,
    ConditionBlock,
    EndBlock,
    EnqueueBlock,
    MenuBlock,
    MenuOption,
    MessageBlock,
    TransferBlock,
    is_terminal,
    successors,
)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (MessageBlock("a", "hi", "b"), ("b",)),
        (MenuBlock("a", "p", (MenuOption("x", "b"), MenuOption("y", "c")), "d"), ("b", "c", "d")),
        (ConditionBlock("a", "task.vip", "b", "c"), ("b", "c")),
        (EnqueueBlock("a", queue_id="q"), ()),
        (EnqueueBlock("a", queue_id="q", on_error="sorry"), ("sorry",)),
        (EndBlock("a"), ()),
    ],
    ids=["message", "menu", "condition", "enqueue", "enqueue-on-error", "end"],
)
def test_successors_in_document_order(block: Block, expected: tuple[str, ...]) -> None:
    assert successors(block) == expected


def test_terminal_blocks_end_the_flow() -> None:
    assert is_terminal(EndBlock("a"))
    assert is_terminal(EnqueueBlock("a", workflow_id="w", on_error="b"))
    assert is_terminal(TransferBlock("a", worker_id="w"))
    assert not is_terminal(MessageBlock("a", "hi", "b"))
