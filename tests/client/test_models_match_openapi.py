"""The SDK's models against the OpenAPI schema the app serves: same fields, same required
fields, same JSON types; a change on either side alone fails here."""

from __future__ import annotations

from typing import Any

import pytest

from api.main import create_app
from client.models import BASES, OPENAPI_NAMES, Model
from config import Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("var"))
    app = create_app(settings)
    try:
        return app.openapi()["components"]["schemas"]
    finally:
        app.state.engine.dispose()


def json_types(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The JSON types a property schema admits, ``$ref``s and ``anyOf`` resolved."""
    if "$ref" in schema:
        return json_types(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "anyOf" in schema:
        return set().union(*(json_types(part, components) for part in schema["anyOf"]))
    if "allOf" in schema:
        return set().union(*(json_types(part, components) for part in schema["allOf"]))
    if "type" in schema:
        return {schema["type"]}
    return {"object"} if "properties" in schema else {"any"}


@pytest.mark.parametrize("model", list(OPENAPI_NAMES), ids=lambda m: m.__name__)
def test_model_matches_the_served_schema(model: type[Model], served: dict[str, Any]):
    server = served[OPENAPI_NAMES[model]]
    ours = model.model_json_schema(mode="serialization")
    local = ours.get("$defs", {})
    assert set(ours["properties"]) == set(server["properties"])
    assert set(ours.get("required", [])) == set(server.get("required", []))
    for name, prop in server["properties"].items():
        assert json_types(ours["properties"][name], local) == json_types(prop, served), name


def test_every_public_resource_of_the_sdk_is_checked():
    import client.models as models

    defined = {value for value in vars(models).values()
               if isinstance(value, type) and issubclass(value, Model) and value is not Model}
    assert defined == set(OPENAPI_NAMES) | set(BASES)
    for base in BASES:   # checked through the models built on it
        assert any(issubclass(model, base) for model in OPENAPI_NAMES), base.__name__
