"""The shape of a document (server/shape.py): what bounds the work of validating it."""

from __future__ import annotations

import pytest
from graphql import parse, validate
from graphql.validation import OverlappingFieldsCanBeMergedRule
from graphql.validation.rules import overlapping_fields_can_be_merged as overlapping

from schema.root import schema
from server.shape import MAX_NESTING, measure
from tests.dashboard import DASHBOARD


def shape(document: str) -> tuple[int, int, dict[str, int], int]:
    measured = measure(parse(document, max_tokens=10**6), 1_000, 10**6)
    assert measured.exceeded is None
    return measured.selections, measured.comparisons, measured.depths, measured.aliases


@pytest.mark.parametrize(
    ("document", "selections", "comparisons", "depths", "aliases"),
    [
        ("{ viewer { name } }", 2, 0, {"anonymous": 1}, 0),
        ("query A { a: viewer { name } b: viewer { name } }", 4, 0, {"A": 1}, 2),
        # a fragment counts where it is defined and again each time it is spread; two
        # `viewer { name }` (2 selections each) may cost 2 × 2 comparisons
        ("{ ...F ...F } fragment F on Query { viewer { name } }", 8, 4, {"anonymous": 1}, 0),
        # inline fragments are flattened into their selection set
        ("{ viewer { name ... on Viewer { name } } }", 3, 1, {"anonymous": 1}, 0),
        ("{ viewer { name } viewer { scopes } viewer { name } }", 6, 12, {"anonymous": 1}, 0),
        ("{ ...F } fragment F on Query { v: viewer { workspace { name } } }", 7, 0,
         {"anonymous": 2}, 1),
        # introspection is not counted in depth (as Strawberry's QueryDepthLimiter)
        ("{ __schema { types { fields { type { name } } } } }", 5, 0, {"anonymous": 0}, 0),
        # unknown fragments and cycles are validation's to report; they count one each
        ("{ ...Nope viewer { name } }", 3, 0, {"anonymous": 1}, 0),
        ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", 4, 0,
         {"anonymous": 0}, 0),
        # fragments in a cycle are measured too (validation walks them)
        ("{ ...A } fragment A on Query { ...B viewer { name } viewer { name } } "
         "fragment B on Query { ...A }", 12, 8, {"anonymous": 1}, 0),
    ],
)  # fmt: skip
def test_shapes(
    document: str, selections: int, comparisons: int, depths: dict[str, int], aliases: int
) -> None:
    assert shape(document) == (selections, comparisons, depths, aliases)


def test_the_usage_page() -> None:
    assert shape(DASHBOARD) == (76, 0, {"Dashboard": 6}, 0)  # with agentUsed


def test_a_fragment_doubling_at_each_level_stops_at_the_limit() -> None:
    levels = 60  # 2^60 selections if expanded
    chain = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }} " for i in range(levels))
    document = parse("{ ...F0 } " + chain + f"fragment F{levels} on Query {{ __typename }}")
    measured = measure(document, 1_000, 10**6)
    assert measured.exceeded == "selections"
    assert measured.selections <= 1_000 + 2**11  # stopped within a step of the limit


def test_a_long_chain_of_fragments_does_not_recurse() -> None:
    length = 5_000  # far beyond the interpreter's recursion limit
    chain = "".join(f"fragment F{i} on Query {{ ...F{i + 1} }} " for i in range(length))
    document = parse(
        "{ ...F0 } " + chain + f"fragment F{length} on Query {{ viewer {{ name }} }}",
        max_tokens=10**6,
    )
    measured = measure(document, 10**9, 10**9)
    assert measured.exceeded is None
    assert measured.depths == {"anonymous": 1}


def test_nesting_beyond_the_walk_is_too_deep() -> None:
    nested = "{" + " a {" * (MAX_NESTING + 1) + " b" + " }" * (MAX_NESTING + 1) + " }"
    assert measure(parse(nested), 10**6, 10**6).exceeded == "nesting"
    within = "{" + " a {" * MAX_NESTING + " b" + " }" * MAX_NESTING + " }"
    assert measure(parse(within), 10**6, 10**6).exceeded is None


def _tree(repeats: int, depth: int) -> str:
    """`repeats` copies of a field at each of `depth` levels: repeats^depth leaves."""
    inner = "name"
    for _ in range(depth):
        inner = " ".join([f"a {{ {inner} }}"] * repeats)
    return "{ " + inner + " }"


@pytest.mark.parametrize(("repeats", "depth"), [(2, 4), (3, 3), (20, 1), (1, 10)])
def test_comparisons_bound_what_overlapping_fields_compares(
    monkeypatch: pytest.MonkeyPatch, repeats: int, depth: int
) -> None:
    """Counted with a spy on graphql-core's own field comparison, its pairs never exceed
    the bound (nested repeats multiply: (r²)^depth)."""
    compared = 0
    original = overlapping.find_conflict

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal compared
        compared += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overlapping, "find_conflict", counted)
    validate(schema._schema, parse(_tree(repeats, depth)), [OverlappingFieldsCanBeMergedRule])
    bound = measure(parse(_tree(repeats, depth)), 10**6, 10**9).comparisons
    assert compared <= bound
    if repeats > 1:
        assert compared >= repeats ** (2 * depth) // 4  # the bound is of the right order
