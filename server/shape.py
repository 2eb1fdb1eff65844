"""The shape of a parsed GraphQL document, measured in one pass before it is validated.

Validation and the cost walk follow fragment spreads, and some of their work grows faster
than the document: k fragments that each spread the next one twice select 2^k fields, and
graphql-core's OverlappingFieldsCanBeMerged compares every pair of fields selected under
one response name in a selection set, then every pair of their sub-selections under one
name, and so on (1,000 `viewer { name }` cost it 0.7 s; 20 `viewer` each with 20
`workspace { name }`, 820 selections, 0.9 s). `measure` reports what bounds that work:

- `selections`: fields and fragment spreads, a fragment's counted each time it is spread,
  over the operations and the fragment definitions;
- `comparisons`: an upper bound of the field pairs OverlappingFieldsCanBeMerged compares.
  In each selection set (fragments and inline fragments flattened into it), two fields of
  one response name with subtrees of a and b selections cost at most a × b comparisons
  (each selection of one subtree meets each of the other at most once), so the bound is
  the sum over response names of the products of their fields' sizes, over every
  selection set;
- `depth` of each operation: nested fields with a selection set (`__schema` and `__type`
  and all they select are not counted, as in Strawberry's QueryDepthLimiter);
- `aliases` in the operations, a fragment's counted each time it is spread;
- `operations` (validation checks each one's variables and fragments on its own).

Each fragment is measured once, in dependency order, so the work is linear in the document
and a chain of fragments recurses no deeper than the selection sets' own nesting (at most
`MAX_NESTING`). Fragments in a cycle are measured last, each on its own; a spread of an
unknown fragment or into a cycle counts as one selection (validation reports both). The
walk stops as soon as a measure passes its limit (`Shape.exceeded`), so a document built to
explode costs no more than the limit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

#: Deepest nesting of selection sets walked (the parser allows 200); deeper is refused.
MAX_NESTING = 64


@dataclass
class Shape:
    selections: int = 0
    comparisons: int = 0
    operations: int = 0
    #: Each operation's depth, by name ("anonymous" for an unnamed one).
    depths: dict[str, int] = field(default_factory=dict)
    aliases: int = 0
    #: What stopped the walk: "selections", "comparisons" or "nesting" (deeper than
    #: MAX_NESTING); None when the whole document was measured.
    exceeded: str | None = None


@dataclass
class _Measure:
    """One selection set (or fragment), fragments already flattened into it."""

    selections: int = 0
    aliases: int = 0
    depth: int = 0
    #: By response name: the sum of its fields' sizes (1 + their subtree's selections),
    #: and the sum of their squares.
    sizes: Counter[str] = field(default_factory=Counter)
    squares: Counter[str] = field(default_factory=Counter)


class _Stop(Exception):
    pass


def measure(document: DocumentNode, max_selections: int, max_comparisons: int) -> Shape:
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
    walker = _Walker(max_selections, max_comparisons)
    try:
        for name in _dependency_order(fragments):
            walker.fragments[name] = walker.walk(fragments[name].selection_set, 0)
        in_cycles = {
            name: walker.walk(fragment.selection_set, 0)  # they see each other as unknown
            for name, fragment in fragments.items()
            if name not in walker.fragments
        }
        walker.fragments.update(in_cycles)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                walker.shape.operations += 1
                measured = walker.walk(definition.selection_set, 0)
                name = definition.name.value if definition.name else "anonymous"
                walker.shape.depths[name] = max(walker.shape.depths.get(name, 0), measured.depth)
                walker.shape.aliases += measured.aliases
    except _Stop:
        pass
    return walker.shape


def _dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after every fragment it spreads (Kahn's algorithm); fragments
    in a cycle, or spreading one, are left out."""
    spreads = {name: _spreads(fragment.selection_set) for name, fragment in fragments.items()}
    waiting = {name: len(used & fragments.keys()) for name, used in spreads.items()}
    users: dict[str, list[str]] = {}
    for name, used in spreads.items():
        for other in used & fragments.keys():
            users.setdefault(other, []).append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        name = ready.pop()
        order.append(name)
        for user in users.get(name, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order


def _spreads(selection_set: SelectionSetNode) -> set[str]:
    """Names of the fragments spread anywhere inside a selection set (iteratively)."""
    found: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                found.add(selection.name.value)
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                pending.append(selection.selection_set)
    return found


class _Walker:
    def __init__(self, max_selections: int, max_comparisons: int) -> None:
        self.max_selections = max_selections
        self.max_comparisons = max_comparisons
        self.shape = Shape()
        self.fragments: dict[str, _Measure] = {}

    def walk(self, selection_set: SelectionSetNode, nesting: int) -> _Measure:
        if nesting > MAX_NESTING:
            self._stop("nesting")
        out = _Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._add(out, 1)
                size = 1
                if selection.selection_set is not None:
                    inner = self.walk(selection.selection_set, nesting + 1)
                    out.selections += inner.selections  # already added to the total
                    out.aliases += inner.aliases
                    size += inner.selections
                    if not selection.name.value.startswith("__"):
                        out.depth = max(out.depth, inner.depth + 1)
                name = selection.alias.value if selection.alias else selection.name.value
                out.sizes[name] += size
                out.squares[name] += size * size
                out.aliases += selection.alias is not None
            elif isinstance(selection, InlineFragmentNode):
                inner = self.walk(selection.selection_set, nesting + 1)
                out.selections += inner.selections  # already added to the total
                self._flatten(out, inner)
            elif isinstance(selection, FragmentSpreadNode):
                self._add(out, 1)
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    self._add(out, fragment.selections)  # its selections, once more
                    self._flatten(out, fragment)
        pairs = sum(total * total - out.squares[name] for name, total in out.sizes.items()) // 2
        self.shape.comparisons += pairs
        if self.shape.comparisons > self.max_comparisons:
            self._stop("comparisons")
        return out

    def _add(self, out: _Measure, selections: int) -> None:
        """Counts selections into the measure and the document's total; stops the walk
        past the limit, before the work they would bring (a fragment's names are merged
        only after its selections were counted, so merging costs at most the limit)."""
        out.selections += selections
        self.shape.selections += selections
        if self.shape.selections > self.max_selections:
            self._stop("selections")

    def _stop(self, why: str) -> None:
        self.shape.exceeded = why
        raise _Stop

    @staticmethod
    def _flatten(out: _Measure, inner: _Measure) -> None:
        out.aliases += inner.aliases
        out.depth = max(out.depth, inner.depth)
        out.sizes.update(inner.sizes)
        out.squares.update(inner.squares)
