"""The place every GraphQL operation passes: parse, validate, execute, shape errors.

Parsing and validation are cached by document text, so a repeated query costs only its
execution. Expected errors (``HubError``) keep their message and code; anything else is
masked and logged, never shown.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.execution import optimized_is_awaitable
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    parse,
    validate,
)

from hub.errors import HubError
from hub.schema.context import HubContext

log = logging.getLogger(__name__)

MASKED_MESSAGE = "Unexpected error; it has been logged."


@dataclass
class Outcome:
    """The response body and how the request fared, for the transport to pick a status."""

    body: dict[str, Any]
    # ok | request_error (nothing executed: parse, validation, variables) | field_error
    status: str
    operation_type: str | None = None
    operation_name: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...]


class Executor:
    def __init__(self, schema: strawberry.Schema, cache_size: int = 1024) -> None:
        self.schema = schema
        self._graphql = schema._schema
        self._cache: OrderedDict[str, Prepared] = OrderedDict()
        self._cache_size = cache_size

    def prepare(self, query: str) -> Prepared:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        try:
            document = parse(query)
        except GraphQLError as error:
            prepared = Prepared(None, (_request_error(error, "GRAPHQL_PARSE_FAILED"),))
        else:
            errors = validate(self._graphql, document, hide_suggestions=True)
            prepared = Prepared(
                None if errors else document,
                tuple(_request_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors),
            )
        self._cache[query] = prepared
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return prepared

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: HubContext,
        allowed: tuple[str, ...] = ("query", "mutation"),
    ) -> Outcome:
        prepared = self.prepare(query)
        if prepared.document is None:
            return _failed(list(prepared.errors))
        operation = _select_operation(prepared.document, operation_name)
        if isinstance(operation, dict):
            return _failed([operation])
        op_type = operation.operation.value
        op_name = operation.name.value if operation.name else None
        if op_type not in allowed:
            return _failed(
                [_plain(f"{op_type} operations are not allowed on this transport", "OPERATION_NOT_ALLOWED")],
                op_type,
                op_name,
            )
        result = execute(
            self._graphql,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # a bool-returning check is what it needs
            hide_suggestions=True,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            # Nothing executed: the variables did not coerce.
            outcome = _failed([_request_error(e, "BAD_USER_INPUT") for e in result.errors])
            outcome.operation_type, outcome.operation_name = op_type, op_name
            return outcome
        errors = [_field_error(e) for e in result.errors or ()]
        body: dict[str, Any] = {"data": result.data}
        if errors:
            body["errors"] = errors
        return Outcome(body, "field_error" if errors else "ok", op_type, op_name, errors)


def _select_operation(
    document: DocumentNode, name: str | None
) -> OperationDefinitionNode | dict[str, Any]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(operations) == 1:
            return operations[0]
        return _plain("the document has several operations; name one in operationName", "OPERATION_NAME_REQUIRED")
    for operation in operations:
        if operation.name and operation.name.value == name:
            return operation
    return _plain(f"no operation named {name!r} in the document", "UNKNOWN_OPERATION")


def _failed(errors: list[dict[str, Any]], op_type: str | None = None, op_name: str | None = None) -> Outcome:
    return Outcome({"errors": errors}, "request_error", op_type, op_name, errors)


def _plain(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _request_error(error: GraphQLError, code: str) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["extensions"] = {"code": code}
    return formatted


def _field_error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, HubError):
        message, extensions = original.message, original.as_extensions()
    else:
        log.error("unexpected error at %s", error.path, exc_info=original or error)
        message, extensions = MASKED_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"}
    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    return formatted
