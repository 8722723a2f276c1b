"""Plain variables coerced without graphql-core come out exactly as graphql-core coerces them;
anything else is left to graphql-core (which then refuses or coerces it)."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values
from hypothesis import given
from hypothesis import strategies as st

from hub.planner.variables import SimpleVariables
from hub.schema import build_schema

OPERATION = """query Q($s: String!, $o: String, $id: ID!, $ids: [ID!]!, $n: Int = 2, $b: Boolean = false,
  $f: Float, $l: [String]) { __typename }"""

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**33), max_value=2**33),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3), st.booleans()), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


@given(st.dictionaries(st.sampled_from(["s", "o", "id", "ids", "n", "b", "f", "l", "extra"]), values))
def test_plain_variables_coerce_as_graphql_core_does(inputs: dict[str, Any]) -> None:
    schema = build_schema()._schema
    operation = parse(OPERATION).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    expected = get_variable_values(schema, operation.variable_definitions, inputs)
    found = SimpleVariables(operation).coerce(inputs)
    if found is not None:
        # Whatever the fast path accepts, graphql-core accepts alike, with the same values.
        assert not isinstance(expected, list), (inputs, expected)
        assert found.coerced == expected.coerced
        assert {k: type(v) for k, v in found.coerced.items()} == {k: type(v) for k, v in expected.coerced.items()}


def test_the_values_agencies_send_take_the_fast_path() -> None:
    operation = parse(OPERATION).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    found = SimpleVariables(operation).coerce({"s": "林文斌", "id": 7, "ids": ["1", 2]})
    assert found is not None
    assert found.coerced == {"s": "林文斌", "id": "7", "ids": ["1", "2"], "n": 2, "b": False}


def test_an_input_object_or_enum_variable_is_left_to_graphql_core() -> None:
    for document in (
        "query($ids: [IdentityInput!]!) { __typename }",
        "query($kind: SubjectKind) { __typename }",
    ):
        operation = parse(document).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        assert SimpleVariables(operation).coerce({}) is None
