"""The read-ahead thread of the streaming pipeline hands over every batch in order, raises
the thread's errors in the consumer, and stops (closing what it reads) when the consumer
stops early, e.g. when a job is cancelled half way."""

import threading

import pytest

from layers.ingest.ahead import ahead


class Broken(Exception):
    pass


def test_every_item_arrives_in_order_from_another_thread():
    threads = set()

    def numbers():
        for number in range(50):
            threads.add(threading.current_thread().name)
            yield number

    assert list(ahead(numbers())) == list(range(50))
    assert threads == {"ingest-ahead"}


def test_an_error_in_the_thread_is_raised_to_the_consumer_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise Broken("bad batch")

    received = []
    with pytest.raises(Broken, match="bad batch"):
        for item in ahead(failing()):
            received.append(item)
    assert received == [1, 2]


def test_a_consumer_that_stops_early_stops_the_thread_and_closes_the_source():
    closed = threading.Event()

    def endless():
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    before = threading.active_count()
    with pytest.raises(Broken):
        for item in ahead(endless(), depth=2):
            if item == 5:
                raise Broken("cancelled")
    assert closed.is_set()
    assert threading.active_count() == before
