"""The OpenAPI document says what the API enforces: a request body names only its own fields
(`additionalProperties: false`, as fields.Body refuses the others). Both ways of sending a
token are in it too (authentication.TokenScheme)."""


def closed_request_bodies(result: dict, generator, request, public: bool) -> dict:
    """Every request body's schema, with additionalProperties: false."""
    components = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                found = components.get(ref.rsplit("/", 1)[-1])
                if found is not None and found.get("type") == "object":
                    found["additionalProperties"] = False
    return result
