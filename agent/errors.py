"""The agent's error tree; every class carries the protocol code a client sees.

OmniaError                      INTERNAL_ERROR
├── ProtocolError               INVALID_MESSAGE
├── SessionError                (abstract)
│   ├── SessionNotFound         SESSION_NOT_FOUND
│   ├── SessionExpired          SESSION_EXPIRED
│   ├── SessionBusy             SESSION_BUSY
│   ├── TurnLost                SESSION_BUSY   (our turn lease expired and another took over)
│   └── StoreUnavailable        AGENT_UNAVAILABLE
├── TemplateError               INVALID_MESSAGE (a prompt variable is invalid, or no such prompt)
│   └── MissingVariable         MISSING_VARIABLE (a required variable or placeholder has no value)
├── OutputRejected              OUTPUT_REJECTED (a validator with fail_on_violation matched)
├── LLMError                    LLM_ERROR
├── ToolError                   TOOL_FAILED
└── ConfigError                 AGENT_UNAVAILABLE
"""

from __future__ import annotations


class OmniaError(Exception):
    """Base of every error the agent reports to a client."""

    code = "INTERNAL_ERROR"


class ProtocolError(OmniaError):
    """A client frame that breaks the protocol."""

    code = "INVALID_MESSAGE"


class SessionError(OmniaError):
    """A problem with a conversation's stored state."""


class SessionNotFound(SessionError):
    """The session id was never issued by this agent."""

    code = "SESSION_NOT_FOUND"


class SessionExpired(SessionError):
    """The session existed but its TTL ran out."""

    code = "SESSION_EXPIRED"


class SessionBusy(SessionError):
    """Another turn of the same session is running (on this or another pod)."""

    code = "SESSION_BUSY"


class TurnLost(SessionError):
    """This turn's lease on its session expired and another turn took the session over."""

    code = "SESSION_BUSY"


class StoreUnavailable(SessionError):
    """The session store cannot be reached."""

    code = "AGENT_UNAVAILABLE"


class TemplateError(OmniaError):
    """A prompt could not be rendered: a variable is missing or fails its validation."""

    code = "INVALID_MESSAGE"


class MissingVariable(TemplateError):
    """A required variable, or a placeholder with no declared default, got no value."""

    code = "MISSING_VARIABLE"


class OutputRejected(OmniaError):
    """The model's answer broke one of the prompt's validators that fail on violation."""

    code = "OUTPUT_REJECTED"


class LLMError(OmniaError):
    """The LLM failed after every retry and fallback."""

    code = "LLM_ERROR"


class ToolError(OmniaError):
    """A tool call failed; turned into an error result the model sees."""

    code = "TOOL_FAILED"


class ConfigError(OmniaError):
    """The agent's configuration files are missing or invalid."""

    code = "AGENT_UNAVAILABLE"
