"""The matching index's own bookkeeping (white box), under the router state machine.

`routing.matching` keeps, per queue and channel, a sorted list of free workers that is updated
lazily: an offer that fills a channel leaves the worker's entries in place (stale), to be dropped
at the head of a list or when the worker's key next changes. This runs the same random sequences
as `test_engine_properties` and checks, after every step, that each list is sorted, holds at
most one entry per worker, holds every free candidate exactly once under the key
`routing.selection.selection_key` gives it, and that anything else in it is a stale entry the
head check recognises. Plus unit tests of the records built on read.
"""

from __future__ import annotations

from collections import Counter

from hypothesis.stateful import invariant

from agentfloor.routing.dispatch import Dispatcher
from agentfloor.routing.matching import MatchIndex, WorkerSlot
from agentfloor.routing.model import ReservationState, TaskState
from agentfloor.routing.selection import selection_key

from .test_engine import T0, make_engine, make_queue, make_task, make_worker
from .test_engine_properties import RouterMachine


def free_channels(index: MatchIndex, slot: WorkerSlot) -> set[str]:
    """The channels the worker can take one more task of now."""
    if not index.is_routable(slot):
        return set()
    return {ch for ch, cap in slot.record.capacity.items() if slot.load.get(ch, 0) < cap}


def check_index(index: MatchIndex) -> None:
    for slot in index.workers.values():
        record = slot.record
        assert set(slot.listed_free) == free_channels(index, slot), "listing not refreshed"
        assert slot.listed_idle == max(record.activity_since, slot.last_end)
        assert slot.held == sum(slot.load.values()) == len(slot.holding)
        assert {line.queue.id for line in slot.lines()} == {
            qid for qid, line in index.queues.items() if record.id in line.candidates
        }
    for qid, line in index.queues.items():
        for channel, entries in line.free.items():
            assert entries == sorted(entries), f"{qid}/{channel} is out of order"
            owners = Counter(entry[-1] for entry in entries)
            assert max(owners.values(), default=1) == 1, f"{qid}/{channel}: a worker twice"
            listed = {entry[-1]: entry for entry in entries}
            for wid in line.candidates:
                slot = index.workers[wid]
                if channel in free_channels(index, slot):
                    idle, attributes = slot.listed_idle, slot.record.attributes
                    key = selection_key(line.queue, idle, slot.held, attributes, slot.seq, wid)
                    assert listed.get(wid) == key, f"{wid} is not listed free in {qid}/{channel}"
            for wid in listed:
                holder = index.workers.get(wid)
                if holder is None or channel not in holder.listed_free:
                    continue  # stale: the head check drops it
                assert wid in line.candidates, f"{wid} listed in {qid} it is not a candidate of"


class IndexMachine(RouterMachine):
    @invariant()
    def free_lists_match_the_workers(self) -> None:
        dispatcher = self.engine._d  # white box: the index behind the engine
        assert isinstance(dispatcher, Dispatcher)
        check_index(dispatcher.index)


test_index_invariants = IndexMachine.TestCase


# --- records built when read ------------------------------------------------------------------


def test_the_task_record_is_built_when_read_and_kept_until_the_next_change() -> None:
    engine = make_engine()
    engine.put_queue(make_queue("q"), T0)
    engine.submit(make_task("t1"), T0)
    first = engine.task("t1")
    assert first is not None and first.state == TaskState.PENDING and first.order_key == T0
    assert engine.task("t1") is first  # unchanged: the same record
    (created,) = engine.put_worker(make_worker("w1"), T0 + 1)
    assert created.type == "reservation.created"
    offered = engine.task("t1")
    assert offered is not None and offered is not first
    assert (offered.state, offered.updated_at) == (TaskState.RESERVED, T0 + 1)
    assert first.state == TaskState.PENDING  # a record read earlier never changes
    reservation = engine.reservation(created.reservation_id or "")
    assert reservation is not None and reservation.state == ReservationState.PENDING
    assert engine.reservation(reservation.id) is reservation
    engine.accept(reservation.id, T0 + 2)
    accepted = engine.reservation(reservation.id)
    assert accepted is not None and accepted.state == ReservationState.ACCEPTED
    assert (accepted.updated_at, reservation.state) == (T0 + 2, ReservationState.PENDING)
    assigned = engine.task("t1")
    assert assigned is not None and assigned.worker_id == "w1"
    assert assigned.state == TaskState.ASSIGNED


def test_a_restored_record_is_returned_as_it_was_persisted() -> None:
    engine = make_engine()
    engine.put_queue(make_queue("q"), T0)
    task = make_task("t1", channel="chat", order_key=T0 - 5)
    engine.restore_task(task, None)
    assert engine.task("t1") is task


def test_a_worker_filling_a_channel_is_skipped_then_listed_again_once() -> None:
    """A full channel's entries go stale in place; freeing it again lists the worker once."""
    engine = make_engine()
    for qid in ("q1", "q2", "q3"):
        engine.put_queue(make_queue(qid), T0)
    engine.put_worker(make_worker("w1", since=T0 - 20), T0)
    engine.put_worker(make_worker("w2", since=T0 - 10), T0)
    index = engine._d.index  # white box
    check_index(index)
    (offer,) = [e for e in engine.submit(make_task("t1", queue_id="q1"), T0) if e.worker_id]
    assert offer.worker_id == "w1"  # the longest idle
    check_index(index)
    assert [e[-1] for e in index.queues["q2"].free["voice"]] == ["w1", "w2"]  # w1 stale there
    events = engine.submit(make_task("t2", queue_id="q2"), T0 + 1)
    assert [e.worker_id for e in events if e.type == "reservation.created"] == ["w2"]
    # w1's stale entry was dropped at the head of q2; w2's entries are stale now
    assert [e[-1] for e in index.queues["q2"].free["voice"]] == ["w2"]
    engine.reject(offer.reservation_id or "", T0 + 2)  # w1 is free again, with the same key
    check_index(index)
    assert [e[-1] for e in index.queues["q2"].free["voice"]] == ["w1", "w2"]  # put back
    assert [e[-1] for e in index.queues["q3"].free["voice"]] == ["w1", "w2"]  # kept, not doubled
    events = engine.submit(make_task("t3", queue_id="q3"), T0 + 3)
    assert [e.worker_id for e in events if e.type == "reservation.created"] == ["w1"]
    check_index(index)
