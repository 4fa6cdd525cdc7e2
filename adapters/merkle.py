"""An RFC 9162 (Certificate Transparency v2) Merkle tree: hashing, proofs and their verification.

The tree is the one of RFC 9162 2.1.1 (unchanged from RFC 6962), over SHA-256: a leaf hashes as
``SHA-256(0x00 || data)``, an interior node as ``SHA-256(0x01 || left || right)``, the empty tree
as ``SHA-256()``; the two prefixes keep a leaf from ever passing for a node. A tree of n leaves
splits at k, the largest power of two smaller than n. Hashes are 32-byte `bytes`, indices are
0-based leaf indices, sizes are numbers of leaves. Pure functions: no I/O, standard library only.

A tree is read through its *perfect* nodes: node (level, index) is the root of the 2**level leaves
[index * 2**level, (index + 1) * 2**level), level 0 being the leaf hashes. A perfect node never
changes once its last leaf is appended, so a store can keep each one as it is completed (`append`)
and build any proof from them (`inclusion_proof`, `consistency_proof`), given a `NodeSource`; the
nodes a proof reads are known beforehand (`proof_positions_*`), at most O(log n) of them, so a store
can fetch them in one query. An imperfect subtree at the right edge is folded from the perfect
nodes that make it up, as the root of a tree is folded from its *frontier* (`frontier_positions`).

Why this small module rather than a library: the verification algorithms are the RFC's own few
lines (2.1.3.2 and 2.1.4.2), transcribed step by step below, and Python Merkle libraries (pymerkle
and the like) own the storage of their trees, where this design serves proofs from the perfect
nodes the ledger's own store keeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the empty tree (RFC 9162 2.1.1)

NodeSource = Callable[[int, int], bytes]  # node(level, index) -> hash, for perfect subtrees only


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (MTH) of a list of leaf hashes; `EMPTY_ROOT` for none."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier, _ = append(frontier, size, leaf)
    return frontier_root(frontier)


# -- the frontier: a tree as the perfect subtrees that make it up -------------------------------------


def _subtree_positions(start: int, size: int) -> list[tuple[int, int]]:
    """The perfect nodes, largest first, that make up the `size` leaves from `start`
    (`start` a multiple of the largest power of two in `size`, as in every split of the RFC)."""
    positions = []
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            positions.append((level, start >> level))
            start += 1 << level
    return positions


def frontier_positions(size: int) -> list[tuple[int, int]]:
    """The perfect nodes that make up a tree of `size` leaves, largest (leftmost) first."""
    return _subtree_positions(0, size)


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of a tree from its frontier hashes (in `frontier_positions` order), folded right to left."""
    if not frontier:
        return EMPTY_ROOT
    result, sha256 = frontier[-1], hashlib.sha256  # `node_hash`, inlined: a commit folds a root per leaf
    for i in range(len(frontier) - 2, -1, -1):
        result = sha256(b"\x01" + frontier[i] + result).digest()
    return result


def append(frontier: Sequence[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Add one leaf hash to the tree of `size` leaves given by its frontier: the new frontier, and the
    perfect nodes of level >= 1 the leaf completes, as (level, index, hash), lowest level first."""
    if size < 0 or len(frontier) != size.bit_count():
        raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier hashes, not {len(frontier)}")
    _check_hash(leaf)
    new, completed = [*frontier, leaf], []
    level, index = 0, size
    while index & 1:
        right, left = new.pop(), new.pop()
        level, index = level + 1, index >> 1
        new.append(node_hash(left, right))
        completed.append((level, index, new[-1]))
    return new, completed


# -- the root from some leaves and the stored nodes around them ---------------------------------------


def root_positions(indexes: Iterable[int], size: int) -> set[tuple[int, int]]:
    """The perfect nodes that `root_from` reads besides the leaves given: the siblings of their paths
    and the frontier nodes none of them is under."""
    needed: set[tuple[int, int]] = set()
    covered = {(0, i) for i in indexes}
    for level in range(size.bit_length()):
        parents = set()
        for lvl, i in covered:
            if lvl != level:
                continue
            if (i | 1) < (size >> level) and ((i | 1) + 1) << level <= ((size >> (level + 1)) << (level + 1)):
                sibling = (level, i ^ 1)
                if sibling not in covered:
                    needed.add(sibling)
                parents.add((level + 1, i >> 1))
        covered |= parents
    for position in frontier_positions(size):
        if position not in covered:
            needed.add(position)
    return needed


def root_from(leaves: Mapping[int, bytes], size: int, node: NodeSource) -> bytes:
    """The root of the tree of `size` leaves computed from the leaf hashes given (by index) and the
    stored perfect nodes for everything else (`root_positions`): the root these leaves are included
    in, each hashed once on the way up. Equal to the tree head's root iff every leaf given is in it."""
    computed = {(0, i): leaf for i, leaf in leaves.items()}
    for level in range(size.bit_length()):
        limit = (size >> (level + 1)) << (level + 1)  # leaves under perfect nodes of the next level
        for (lvl, i) in sorted(p for p in computed if p[0] == level):
            if (i + 1) << level > limit:
                continue  # a frontier node itself: no parent inside a perfect subtree
            parent = (level + 1, i >> 1)
            if parent in computed:
                continue
            left, right = (level, i & ~1), (level, i | 1)
            computed[parent] = node_hash(computed.get(left) or node(*left), computed.get(right) or node(*right))
    return frontier_root([computed.get(p) or node(*p) for p in frontier_positions(size)])


# -- proofs from perfect nodes (RFC 9162 2.1.3.1 and 2.1.4.1) ---------------------------------------


def _split(size: int) -> int:
    """k, the largest power of two smaller than `size` (for `size` > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _inclusion_subtrees(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[size]) as the (start, size) of the subtrees whose roots it lists, in its order."""
    if not 0 <= index < size:
        raise ValueError(f"no leaf {index} in a tree of {size} leaves")
    subtrees, start = [], 0
    while size > 1:
        k = _split(size)
        if index < k:
            subtrees.append((start + k, size - k))
            size = k
        else:
            subtrees.append((start, k))
            start, index, size = start + k, index - k, size - k
    return subtrees[::-1]


def _consistency_subtrees(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """PROOF(old_size, D[new_size]) as the (start, size) of the subtrees whose roots it lists, in its order."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size} leaves (0 < old <= new)")
    subtrees, start, whole = [], 0, True  # SUBPROOF's b: the old tree is still whole
    while old_size != new_size:
        k = _split(new_size)
        if old_size <= k:
            subtrees.append((start + k, new_size - k))
            new_size = k
        else:
            subtrees.append((start, k))
            start, old_size, new_size, whole = start + k, old_size - k, new_size - k, False
    if not whole:
        subtrees.append((start, old_size))
    return subtrees[::-1]


def _subtree_hash(start: int, size: int, node: NodeSource) -> bytes:
    return frontier_root([node(level, index) for level, index in _subtree_positions(start, size)])


def proof_positions_inclusion(index: int, size: int) -> list[tuple[int, int]]:
    """The perfect nodes (level, index) that `inclusion_proof(index, size, ...)` reads, each once."""
    return [p for start, n in _inclusion_subtrees(index, size) for p in _subtree_positions(start, n)]


def proof_positions_consistency(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The perfect nodes (level, index) that `consistency_proof(old_size, new_size, ...)` reads, each once."""
    return [p for start, n in _consistency_subtrees(old_size, new_size) for p in _subtree_positions(start, n)]


def inclusion_proof(index: int, size: int, node: NodeSource) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 2.1.3.1) from perfect nodes. ValueError unless 0 <= index < size."""
    return [_subtree_hash(start, n, node) for start, n in _inclusion_subtrees(index, size)]


def consistency_proof(old_size: int, new_size: int, node: NodeSource) -> list[bytes]:
    """PROOF(old_size, D[new_size]) (RFC 9162 2.1.4.1) from perfect nodes; [] when the sizes are equal.
    ValueError unless 0 < old_size <= new_size."""
    return [_subtree_hash(start, n, node) for start, n in _consistency_subtrees(old_size, new_size)]


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2, step by step) --------------------------------------


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _check_hash(value: object) -> None:
    if not _is_hash(value):
        raise ValueError(f"a hash is {HASH_SIZE} bytes, not {value!r}")


def _are_hashes(values: object) -> bool:
    """A sequence of hashes (a string or bytes is not one, even empty)."""
    return (
        isinstance(values, Sequence)
        and not isinstance(values, (str, bytes, bytearray))
        and all(_is_hash(v) for v in values)
    )


def _are_sizes(*values: object) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves with `root`
    (RFC 9162 2.1.3.2). False, never an exception, for malformed input."""
    if not (_is_hash(leaf) and _is_hash(root) and _are_hashes(proof) and _are_sizes(index, size)):
        return False
    if index >= size:  # 1
        return False
    fn, sn = index, size - 1  # 2
    r = leaf  # 3
    for p in proof:  # 4
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root  # 5


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree (`new_size`, `new_root`) extends the tree (`old_size`, `old_root`)
    (RFC 9162 2.1.4.2). Equal sizes need an empty proof and equal roots; the empty tree (whose root
    must be `EMPTY_ROOT`) is extended by any tree, with an empty proof. False, never an exception,
    for malformed input."""
    if not (_is_hash(old_root) and _is_hash(new_root) and _are_hashes(proof) and _are_sizes(old_size, new_size)):
        return False
    if old_size > new_size or (old_size == 0 and old_root != EMPTY_ROOT):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:  # 1
        return False
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)  # 2
    fn, sn = old_size - 1, new_size - 1  # 3
    while fn & 1:  # 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0  # 7


# -- a whole tree in memory ---------------------------------------------------------------------------


class MemoryTree:
    """A tree held in memory as its leaf hashes, with memoised perfect nodes: for tests and offline checks."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self._leaves: list[bytes] = []
        self._nodes: dict[tuple[int, int], bytes] = {}
        for leaf in leaves:
            self.append(leaf)

    def append(self, leaf: bytes) -> None:
        """Add a leaf hash."""
        _check_hash(leaf)
        self._leaves.append(leaf)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._leaves)

    def node(self, level: int, index: int) -> bytes:
        """The perfect node (level, index), a `NodeSource`; ValueError unless all its leaves are in the tree."""
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise ValueError(f"no perfect node ({level}, {index}) in a tree of {self.size} leaves")
        if level == 0:
            return self._leaves[index]
        if (level, index) not in self._nodes:
            self._nodes[level, index] = node_hash(self.node(level - 1, 2 * index), self.node(level - 1, 2 * index + 1))
        return self._nodes[level, index]

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first `size` leaves (all by default)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"no tree of {size} leaves in a tree of {self.size}")
        return frontier_root([self.node(level, index) for level, index in frontier_positions(size)])
