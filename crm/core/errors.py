"""Errors the domain raises; each web layer turns them into its own answer (JSON or a page)."""


class DomainError(Exception):
    """Base of the errors a request can provoke by what it sends."""


class NotFound(DomainError):
    """The record does not exist, is deleted, or belongs to another organization."""

    def __init__(self, what: str = "record"):
        super().__init__(f"No such {what}.")
        self.what = what


class ValidationFailed(DomainError):
    """Some submitted fields are invalid; fields maps each bad field to what is wrong with it."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or "Invalid fields: " + ", ".join(fields) + ".")
        self.fields = fields


class StaleVersion(DomainError):
    """The deal changed after the version a change was based on (an If-Match that no longer holds)."""

    def __init__(self, current: str):
        super().__init__("The deal has changed since you read it. Read it again, then reapply your change.")
        self.current = current


class KeyReused(DomainError):
    """An Idempotency-Key sent again with another request body."""

    def __init__(self):
        super().__init__("This Idempotency-Key was already used for a different request; use a new key.")


class BadParameter(DomainError):
    """A query parameter has a value the listing cannot use."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"Query parameter '{name}' {problem}.")
        self.name = name
        self.problem = problem


class InvalidCredentials(DomainError):
    """Wrong email or password; which of the two is deliberately not said."""

    def __init__(self):
        super().__init__("Invalid email or password.")


class RetryLater(DomainError):
    """A request refused for now; retry_after says in how many seconds it may succeed."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(RetryLater):
    """A sign-in limit is used up: refused whatever the password, so guessing cannot go on."""

    def __init__(self, retry_after: int):
        super().__init__("Too many failed sign-in attempts. Wait a few minutes, then try again.", retry_after)


class SignInBusy(RetryLater):
    """Every password check this process allows at once is running; the attempt was not counted.
    Too many requests (429), not an outage: the server is doing exactly what it should."""

    def __init__(self):
        super().__init__("Too many sign-ins are being checked right now. Try again in a moment.", 1)


class DatabaseUnavailable(RetryLater):
    """The database cannot be reached for now (a restart, a failover) or is too busy to answer."""

    def __init__(self):
        super().__init__("The database cannot be reached right now; nothing was saved. Try again in a moment.", 5)
