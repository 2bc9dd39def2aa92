"""The LLM layer's exception tree, translated from httpx at the client boundary.

    ResponderError
     └── LLMError                 the model API did not give a usable answer
          ├── LLMAuthError        401/403: the API key is wrong or lacks access (never retried)
          ├── LLMRequestError     another 4xx (unknown model, bad request): not retried, next tier
          │    ├── LLMUnsupportedParameter  the model refuses a parameter (temperature, max_tokens)
          │    └── LLMRefused       200, but the model declined (content null, a refusal text)
          └── LLMUnavailable      worth retrying: the provider may answer on another try
               ├── LLMRateLimited   429, with the Retry-After it asked for
               ├── LLMServerError   5xx
               ├── LLMTimeout       no answer within the timeout or the message's deadline
               ├── LLMConnectError  the API could not be reached
               └── LLMBadResponse   200 but not JSON, no choices, empty content, or an error object

Every error carries ``attempts`` (how many HTTP calls were made before giving up) and a
message that names the model and status but never the API key or the customer's text.
"""

from __future__ import annotations

from seabot.core.errors import ResponderError

__all__ = [
    "LLMError", "LLMAuthError", "LLMRequestError", "LLMUnsupportedParameter", "LLMRefused", "LLMUnavailable",
    "LLMRateLimited", "LLMServerError", "LLMTimeout", "LLMConnectError", "LLMBadResponse",
]  # fmt: skip


class LLMError(ResponderError):
    """The model API did not give a usable answer."""

    outcome = "error"  # label for seabot_llm_attempts_total

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = 0


class LLMAuthError(LLMError):
    """401/403: the key is rejected. Retrying or another tier on the same key cannot help."""

    outcome = "auth"


class LLMRequestError(LLMError):
    """A 4xx other than 401/403/429: the request itself is wrong for this model."""

    outcome = "client_error"


class LLMUnsupportedParameter(LLMRequestError):
    """The model rejects a request parameter (``temperature``, ``max_tokens`` …): the client
    sends the request again without it, once, and remembers that for the model."""

    outcome = "unsupported_parameter"

    def __init__(self, message: str, *, parameter: str, status: int | None = 400) -> None:
        super().__init__(message, status=status)
        self.parameter = parameter


class LLMRefused(LLMRequestError):
    """The model answered but declined (``content: null`` with a ``refusal``): nothing to send
    the customer from this model; another tier or the offline responder answers."""

    outcome = "refused"


class LLMUnavailable(LLMError):
    """A failure that another try may not repeat."""

    outcome = "unavailable"


class LLMRateLimited(LLMUnavailable):
    outcome = "rate_limited"

    def __init__(self, message: str, *, status: int | None = 429, retry_after_s: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class LLMServerError(LLMUnavailable):
    outcome = "server_error"

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class LLMTimeout(LLMUnavailable):
    outcome = "timeout"


class LLMConnectError(LLMUnavailable):
    outcome = "connect_error"


class LLMBadResponse(LLMUnavailable):
    outcome = "bad_response"
