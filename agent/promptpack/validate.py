"""Validate PromptPack documents: schema errors first, then the spec's semantic warnings."""

from __future__ import annotations

import pydantic

from agent.promptpack import findings, model, packfile, schema_errors, semantics

# The record every check returns (kept here too: `validate.Finding` is the public name).
Finding = findings.Finding

MAX_LISTED_ERRORS = 20


class PackError(ValueError):
    """A document that is not a valid PromptPack; `findings` holds every schema error."""

    def __init__(self, errors: list[findings.Finding]) -> None:
        self.findings = errors
        listed = [f"  {f.path}: {f.message}" for f in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            listed.append(f"  ... and {len(errors) - MAX_LISTED_ERRORS} more")
        super().__init__(
            f"invalid PromptPack ({len(errors)} error{'' if len(errors) == 1 else 's'}):\n"
            + "\n".join(listed)
        )


def _check_schema(data: object) -> tuple[model.PromptPack | None, list[findings.Finding]]:
    text_errors = schema_errors.unpaired_surrogates(data)
    try:
        pack = model.PromptPack.model_validate(data)
    except pydantic.ValidationError as error:
        errors = schema_errors.from_validation_error(error, data)
        return None, [*text_errors, *(e for e in errors if e not in text_errors)]
    return (None, text_errors) if text_errors else (pack, [])


def parse_pack(data: object) -> model.PromptPack:
    """Return the typed pack for a decoded document (semantic warnings are not checked).

    Raises:
        PackError: when the document breaks the PromptPack v1.4 schema; it lists the errors.
    """
    pack, errors = _check_schema(data)
    if pack is None:
        raise PackError(errors)
    return pack


def validate_pack(data: object) -> list[findings.Finding]:
    """Return the problems of a decoded document (from JSON or YAML).

    Schema violations are errors, and the document is valid exactly when there are none. Only
    a schema-valid pack is checked further, and what those checks find are warnings. The order
    is deterministic: errors in the order the specification lists the keys, warnings rule by
    rule, each in document order.
    """
    pack, errors = _check_schema(data)
    if pack is None:
        return errors
    return semantics.validate_semantics(pack)


def validate_file(path: str) -> list[findings.Finding]:
    """Return the problems of the pack in a JSON or YAML (.yaml, .yml) file.

    A file that cannot be read or parsed gives a single error at `$`.
    """
    try:
        data = packfile.parse_file(path)
    except packfile.PackFileError as error:
        return [findings.error([], str(error))]
    return validate_pack(data)
