"""OpenAPI links: which later requests an answer's ids lead to (a new session → its speeches, a
registration → its badge), declared on the route that answers, for clients and for the fuzzer's
stateful tests (tests/fuzz), which follow them.

    @blp.doc(**answer_links(201, speeches=link("/api/v1/events/{slug}/sessions/{item_id}/speeches", "get",
                                               slug=FROM_PATH, item_id="$response.body#/id")))
"""

#: the same path parameter as the request that answered
FROM_PATH = "$request.path.{}"


def link(path: str, method: str, description: str = "", **parameters: str) -> dict:
    """A link to the operation ``method path`` (as written in the document), filling its path
    parameters by runtime expressions; FROM_PATH repeats the request's own parameter."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method.lower()}",
        "parameters": {name: value.format(name) for name, value in parameters.items()},
        **({"description": description} if description else {}),
    }


def answer_links(status: int, **links: dict) -> dict:
    """Keyword arguments for ``Blueprint.doc``: the links of the answer with this status."""
    return {"responses": {status: {"links": links}}}  # an int, as flask-smorest keys its responses

#: the id of what the answer created
NEW_ID = "$response.body#/id"


def pdf_answer(description: str) -> dict:
    """Keyword arguments for ``Blueprint.doc``: a 200 answer that is a PDF document, not JSON."""
    return {"responses": {200: {"description": description, "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
