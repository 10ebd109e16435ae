"""The one error type that services raise.

A service raises ``ServiceError(code, message, field=...)``: the code is stable
and machine-readable (the API returns it), the message is translated text for
people (the web pages flash it or attach it to the form field).
"""


class ServiceError(Exception):
    #: HTTP status the API answers with when this error escapes a service
    status = 422

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.details = details or {}
        if status is not None:
            self.status = status

    def to_json(self) -> dict:
        """The API's one error shape (core.errors_http.ErrorSchema)."""
        body = {"code": self.code, "status": self.status, "message": self.message,
                "errors": {self.field: [self.message]} if self.field else {}}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class PermissionDenied(ServiceError):
    status = 403
