"""The offline checker an evidence package carries (adapters/evidence_check.py, Python only) checks proofs
as the program does: Certificate Transparency's known answers pass, every mutation is rejected.

It is a second, standalone transcription of RFC 9162's verification algorithms (a third party runs
it without the program), so it is held to the same vectors as adapters/merkle.py (tests/unit/test_merkle.py).
"""

from __future__ import annotations

import pytest
from test_merkle import CONSISTENCY, INCLUSION, LEAF_INPUTS, LEAVES, consistency_mutations, inclusion_mutations

from poa.adapters import evidence_check as offline


def test_the_leaf_hashes_of_the_test_inputs():
    assert [offline.leaf_hash(data) for data in LEAF_INPUTS] == LEAVES


@pytest.mark.parametrize("index, size, proof, tree_root", INCLUSION)
def test_inclusion_known_answers_pass_and_mutations_fail(index, size, proof, tree_root):
    assert offline.verify_inclusion(LEAVES[index], index, size, proof, tree_root)
    assert [m for m in inclusion_mutations(LEAVES[index], index, size, proof, tree_root) if offline.verify_inclusion(*m)] == []


@pytest.mark.parametrize("old_size, new_size, old_root, new_root, proof", CONSISTENCY)
def test_consistency_known_answers_pass_and_mutations_fail(old_size, new_size, old_root, new_root, proof):
    assert offline.verify_consistency(old_size, new_size, old_root, new_root, proof)
    if proof:
        mutations = consistency_mutations(old_size, new_size, old_root, new_root, proof)
        assert [m for m in mutations if offline.verify_consistency(*m)] == []
