"""`merkle.root_from`: the root recomputed from some leaves and the stored nodes around them, as a
read checks a plan's events in one pass (adapters/merkle_log.py, `check_plan`)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from poa.adapters.merkle import MemoryTree, root_from, root_positions
from test_merkle import LEAVES, ROOTS, flipped


@st.composite
def trees_and_leaves(draw):
    size = draw(st.integers(min_value=1, max_value=70))
    chosen = draw(st.sets(st.integers(min_value=0, max_value=size - 1), min_size=1))
    return size, chosen


def tree_of(size: int) -> MemoryTree:
    return MemoryTree([hashlib.sha256(b"\x00" + str(i).encode()).digest() for i in range(size)])


def test_the_known_answer_roots_from_every_single_leaf_and_from_all():
    tree = MemoryTree(LEAVES)
    for size in range(1, 9):
        for index in range(size):
            assert root_from({index: LEAVES[index]}, size, tree.node) == ROOTS[size]
        assert root_from(dict(enumerate(LEAVES[:size])), size, tree.node) == ROOTS[size]


@settings(max_examples=150, deadline=None)
@given(trees_and_leaves())
def test_the_root_from_any_leaves_is_the_tree_s_and_reads_exactly_the_positions_named(case):
    size, chosen = case
    tree = tree_of(size)
    read = []

    def source(level, index):
        read.append((level, index))
        return tree.node(level, index)

    leaves = {i: tree.node(0, i) for i in chosen}
    assert root_from(leaves, size, source) == tree.root(size)
    assert set(read) == root_positions(chosen, size) and len(read) == len(set(read))
    assert not {(0, i) for i in chosen} & set(read)  # the leaves given are never read from the store


@settings(max_examples=100, deadline=None)
@given(trees_and_leaves(), st.data())
def test_one_changed_leaf_or_stored_node_changes_the_root(case, data):
    size, chosen = case
    tree = tree_of(size)
    leaves = {i: tree.node(0, i) for i in chosen}
    changed = data.draw(st.sampled_from(sorted(chosen)))
    assert root_from({**leaves, changed: flipped(leaves[changed], 3)}, size, tree.node) != tree.root(size)
    positions = sorted(root_positions(chosen, size))
    if positions:
        bad = data.draw(st.sampled_from(positions))
        source = lambda level, index: flipped(tree.node(level, index), 0) if (level, index) == bad else tree.node(level, index)  # noqa: E731
        assert root_from(leaves, size, source) != tree.root(size)
