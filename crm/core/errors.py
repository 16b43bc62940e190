"""Errors the domain raises; each web layer turns them into its own answer (JSON or a page).
Each keeps its message as a Message: the API answers its English, a page says it in its reader's
language."""

from crm.core.messages import Message, msg


class DomainError(Exception):
    """Base of the errors a request can provoke by what it sends."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist, is deleted, or belongs to another organization."""

    def __init__(self, what: str = "record"):
        super().__init__(msg("No such %(what)s.", what=what))
        self.what = what


class ValidationFailed(DomainError):
    """Some submitted fields are invalid; fields maps each bad field to what is wrong with it."""

    def __init__(self, fields: dict[str, str], message: Message | None = None):
        super().__init__(message or msg("Invalid fields: %(fields)s.", fields=", ".join(fields)))
        self.fields = fields


class StaleVersion(DomainError):
    """The deal changed after the version a change was based on (an If-Match that no longer holds)."""

    def __init__(self, current: str):
        super().__init__(msg("The deal has changed since you read it. Read it again, then reapply your change."))
        self.current = current


class ReadOnlyActivity(DomainError):
    """A change or deletion of an entry the app recorded (created, updated, stage_change): the
    history of what happened only grows."""

    def __init__(self):
        super().__init__(msg("This activity was recorded by the app as part of the deal's history; it cannot be "
                             "changed or deleted."))


class KeyReused(DomainError):
    """An Idempotency-Key sent again with another request body."""

    def __init__(self):
        super().__init__(msg("This Idempotency-Key was already used for a different request; use a new key."))


class BadParameter(DomainError):
    """A query parameter has a value the listing cannot use; problem says what is wrong with it
    (a message of its own, without the final period, that the parameter's message ends)."""

    def __init__(self, name: str, problem: Message):
        super().__init__(msg("Query parameter '%(name)s' %(problem)s.", name=name, problem=problem))
        self.name = name
        self.problem = problem


class InvalidCredentials(DomainError):
    """Wrong email or password; which of the two is deliberately not said."""

    def __init__(self):
        super().__init__(msg("Invalid email or password."))


class RetryLater(DomainError):
    """A request refused for now; retry_after says in how many seconds it may succeed."""

    def __init__(self, message: Message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(RetryLater):
    """A sign-in limit is used up: refused whatever the password, so guessing cannot go on."""

    def __init__(self, retry_after: int):
        super().__init__(msg("Too many failed sign-in attempts. Wait a few minutes, then try again."), retry_after)


class SignInBusy(RetryLater):
    """Every password check this process allows at once is running; the attempt was not counted.
    Too many requests (429), not an outage: the server is doing exactly what it should."""

    def __init__(self):
        super().__init__(msg("Too many sign-ins are being checked right now. Try again in a moment."), 1)


class DatabaseUnavailable(RetryLater):
    """The database cannot be reached for now (a restart, a failover) or is too busy to answer."""

    def __init__(self):
        super().__init__(msg("The database cannot be reached right now; nothing was saved. Try again in a moment."), 5)
