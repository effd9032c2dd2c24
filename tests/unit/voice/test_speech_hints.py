"""What recognition expects at a slot or at a flow's waiting block."""

from __future__ import annotations

from agentfloor.flows.model import (
    CallbackOfferBlock,
    CollectBlock,
    MenuBlock,
    MenuOption,
    MessageBlock,
    Slot,
    SlotType,
)
from agentfloor.voice.speech import block_hints, slot_hints

MENU = MenuBlock(
    id="menu",
    prompt="Press 1 for opening hours or 2 for our address.",
    options=(
        MenuOption("Opening hours", "hours", dtmf="1"),
        MenuOption("Address", "address", dtmf="2"),
    ),
    no_match="address",
)


def test_a_menu_expects_its_labels() -> None:
    hints = block_hints(MENU)
    assert hints is not None
    assert (hints.name, hints.phrases) == ("choice", ("Opening hours", "Address"))


def test_a_menu_of_keys_only_has_no_phrases() -> None:
    keys_only = MenuBlock(
        id="menu", prompt="Press 1 or 2.", options=(MenuOption("1", "a", dtmf="1"),), no_match="a"
    )
    assert block_hints(keys_only) is None


def test_an_order_number_uses_the_tenants_prefixes() -> None:
    block = CollectBlock(
        id="ask",
        slot=Slot("order", SlotType.ORDER_ID),
        prompt="Your order number?",
        next="done",
        on_fail="done",
    )
    hints = block_hints(block, prefixes=("AB", "XYZ"))
    assert hints is not None and hints.grammar is not None
    assert hints.name == "order_id"
    assert "(a b | x y z)" in hints.grammar


def test_an_enum_slot_expects_its_values_and_other_slots_stay_open() -> None:
    enum = slot_hints(Slot("size", SlotType.ENUM, values=("small", "large")))
    assert enum is not None and enum.phrases == ("small", "large")
    assert slot_hints(Slot("when", SlotType.DATE)) is None
    assert slot_hints(Slot("name", SlotType.TEXT)) is None


def test_a_callback_offer_expects_yes_or_no_and_a_message_nothing() -> None:
    offer = CallbackOfferBlock(id="cb", prompt="Call you back?", accepted="a", declined="b")
    hints = block_hints(offer)
    assert hints is not None and hints.name == "yes_no"
    assert block_hints(MessageBlock(id="m", text="Hi", next="x")) is None
