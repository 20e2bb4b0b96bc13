"""Shared behaviour of the pydantic models of SageMaker's files: load with clear errors, keep unknown keys."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import to_jsonable_python

from modelmonitor.errors import FormatError
from modelmonitor.formats.jackson import dumps_jackson

__all__ = ["SageMakerFile", "SageMakerModel", "UnknownKeyWarning", "unknown_keys"]


class UnknownKeyWarning(UserWarning):
    """A SageMaker-format file carries a key our schema does not know; it is kept as is."""


class SageMakerModel(BaseModel):
    """A part of a SageMaker file. Unknown keys are kept (and reported), so files round-trip without loss."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, allow_inf_nan=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict in SageMaker's key order; absent optional keys are left out."""
        data = self.model_dump(by_alias=True, exclude_none=True, mode="python")
        return _restore_explicit_nulls(self, data)


def _restore_explicit_nulls(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    # Keys a source file set to null (e.g. Clarify's "value": null next to an "error") come back as null.
    for name in model.model_fields_set:
        field = type(model).model_fields.get(name)
        if field is None:
            continue
        key = field.alias or name
        value = getattr(model, name, None)
        if value is None:
            data[key] = None
        else:
            _restore_nested(value, data.get(key))
    for key, value in (model.model_extra or {}).items():
        data[key] = to_jsonable_python(value)
    # A restored null goes back to its field's place, not to the end.
    declared = [field.alias or name for name, field in type(model).model_fields.items()]
    rank = {key: index for index, key in enumerate(declared)}
    ordered = sorted(data.items(), key=lambda item: rank.get(item[0], len(declared)))
    data.clear()
    data.update(ordered)
    return data


_SCALARS = frozenset({float, int, str, bool, type(None)})


def _restore_nested(value: Any, dumped: Any) -> None:
    # Models anywhere inside lists and dicts (e.g. Clarify's facet name -> list of facet values).
    if isinstance(value, BaseModel) and isinstance(dumped, dict):
        _restore_explicit_nulls(value, dumped)
    elif isinstance(value, list) and isinstance(dumped, list):
        if set(map(type, value)).issubset(_SCALARS):
            return  # nothing to restore in numbers (a statistics.json holds ~160k, its KLL sketches)
        for item, dumped_item in zip(value, dumped, strict=False):
            _restore_nested(item, dumped_item)
    elif isinstance(value, dict) and isinstance(dumped, dict):
        for item_key, item in value.items():
            _restore_nested(item, dumped.get(item_key))


def unknown_keys(model: BaseModel, path: str = "") -> list[str]:
    """Dotted paths of every key that no model field declares, at any depth."""
    found = [f"{path}{key}" for key in (model.model_extra or {})]
    for name in model.model_fields_set:
        field = type(model).model_fields.get(name)
        if field is None:
            continue
        value = getattr(model, name, None)
        key = field.alias or name
        if isinstance(value, BaseModel):
            found += unknown_keys(value, f"{path}{key}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found += unknown_keys(item, f"{path}{key}[{index}].")
    return found


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class SageMakerFile(SageMakerModel):
    """A whole file (statistics.json, constraints.json, ...): parse, validate, write."""

    @classmethod
    def from_json_text(cls, text: str, *, source: str = "<string>") -> Self:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(f"not valid JSON: {exc.msg}", path=source, line=exc.lineno) from exc
        return cls.from_data(raw, source=source)

    @classmethod
    def from_data(cls, raw: Any, *, source: str = "<data>") -> Self:
        if not isinstance(raw, dict):
            raise FormatError(f"expected a JSON object at the top, got {type(raw).__name__}", path=source)
        try:
            model = cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = _location(tuple(first["loc"]))
            got = first.get("input")
            raise FormatError(
                f"{first['msg']} (got {json.dumps(got, default=str)[:80]})", path=source, field=field
            ) from exc
        for key in unknown_keys(model):
            warnings.warn(f"{source}: unknown key {key!r} kept as is", UnknownKeyWarning, stacklevel=2)
        return model

    @classmethod
    def from_path(cls, path: str | Path) -> Self:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(f"not UTF-8 text (byte {exc.start})", path=str(file)) from exc
        return cls.from_json_text(text, source=str(file))

    def to_json_text(self) -> str:
        return dumps_jackson(self.to_dict())

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json_text(), encoding="utf-8")
