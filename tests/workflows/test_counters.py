from __future__ import annotations

import threading

import sqlalchemy as sa

from hazardflow.workflows.counters import current_value, next_value


def test_numbers_count_up_per_counter_name(db: sa.Engine) -> None:
    with db.begin() as conn:
        assert [next_value(conn, "a") for _ in range(3)] == [1, 2, 3]
        assert next_value(conn, "b") == 1
        assert current_value(conn, "a") == 3
        assert current_value(conn, "never") == 0


def test_a_rolled_back_transaction_gives_its_number_back(db: sa.Engine) -> None:
    with db.begin() as conn:
        next_value(conn, "n")
    with db.connect() as conn:
        tx = conn.begin()
        assert next_value(conn, "n") == 2
        tx.rollback()
    with db.begin() as conn:
        assert next_value(conn, "n") == 2


def _take_in_thread(db: sa.Engine, name: str, out: list[int]) -> threading.Thread:
    def run() -> None:
        with db.begin() as conn:
            out.append(next_value(conn, name))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _second_waits_for_first(db: sa.Engine, name: str) -> tuple[int, list[int]]:
    other: list[int] = []
    with db.connect() as conn:
        tx = conn.begin()
        first = next_value(conn, name)
        thread = _take_in_thread(db, name, other)
        thread.join(0.5)
        assert thread.is_alive(), "the second transaction did not wait for the first"
        assert other == []
        tx.commit()
    thread.join(30)
    assert not thread.is_alive()
    return first, other


def test_a_second_transaction_waits_and_takes_the_next_number(db: sa.Engine) -> None:
    with db.begin() as conn:
        assert next_value(conn, "notice") == 1
    first, other = _second_waits_for_first(db, "notice")
    assert (first, other) == (2, [3])


def test_two_transactions_creating_a_counter_at_once_do_not_collide(db: sa.Engine) -> None:
    first, other = _second_waits_for_first(db, "fresh")
    assert (first, other) == (1, [2])


def test_many_concurrent_transactions_never_share_a_number(db: sa.Engine) -> None:
    taken: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(15):
                with db.begin() as conn:
                    n = next_value(conn, "busy")
                with lock:
                    taken.append(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(taken) == list(range(1, 61))

