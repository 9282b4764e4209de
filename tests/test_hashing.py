"""The background hash pipe gives exactly the digests hashlib gives, in order, for any chunking."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.services.hashing import INLINE_BELOW, HashPipe


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3 * INLINE_BELOW), max_size=6), min_size=1, max_size=4))
def test_digests_match_hashlib_for_any_chunking(files: list[list[int]]) -> None:
    expected, digests = [], []
    with HashPipe(depth=2) as pipe:
        for f_index, sizes in enumerate(files):
            chunks = [bytes([(f_index + i) % 251]) * n for i, n in enumerate(sizes)]
            expected.append(hashlib.sha256(b"".join(chunks)).hexdigest())
            d = hashlib.sha256()
            for c in chunks:
                pipe.update(d, c)
            digests.append(d)
        pipe.wait()
        assert [d.hexdigest() for d in digests] == expected


def test_an_error_in_the_thread_is_raised_by_wait() -> None:
    class Broken:
        def update(self, _chunk: bytes) -> None:
            raise ValueError("disk went away")

    with HashPipe() as pipe:
        pipe.update(Broken(), b"x" * INLINE_BELOW)
        with pytest.raises(ValueError, match="disk went away"):
            pipe.wait()
