"""Which engine a job runs on: the embedded one (``local``) or Apache Spark, with Spark's master and settings.

One value travels from every door — the CLI's ``--engine``/``--spark-master``/``--spark-conf``, the SDK's
``engine=``, a schedule's job definition — to ``engine.choice.engine_for``, which builds the engine. It
is plain data (stored as JSON in a job definition), so the layers below the service never parse flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from modelmonitor.errors import ConfigurationError

__all__ = ["ENGINE_KINDS", "EngineChoice", "EngineKind"]

EngineKind = Literal["local", "spark"]
ENGINE_KINDS: tuple[EngineKind, ...] = ("local", "spark")


@dataclass(frozen=True)
class EngineChoice:
    """``spark_master`` None: an active Spark session's, else ``local[*]``; ``spark_conf`` is passed on."""

    kind: EngineKind = "local"
    spark_master: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ENGINE_KINDS:
            raise ConfigurationError(f"engine: got {self.kind!r}, expected one of {', '.join(ENGINE_KINDS)}")
        if self.kind != "spark" and (self.spark_master is not None or self.spark_conf):
            raise ConfigurationError(
                f"engine {self.kind!r} with a Spark master or Spark settings: they apply to the Spark "
                "engine only; expected --engine spark (engine='spark') with them, or neither"
            )

    @classmethod
    def parse(
        cls, kind: str | None, spark_master: str | None = None, spark_conf: Iterable[str] = ()
    ) -> EngineChoice:
        """From the interfaces' words: ``spark_conf`` entries are ``key=value`` (``--spark-conf``)."""
        pairs: list[tuple[str, str]] = []
        for entry in spark_conf:
            key, sep, value = entry.partition("=")
            if not sep or not key.strip():
                raise ConfigurationError(
                    f"--spark-conf {entry!r}: expected key=value, e.g. spark.executor.memory=4g"
                )
            pairs.append((key.strip(), value))
        return cls(cast(EngineKind, kind or "local"), spark_master, tuple(pairs))

    @property
    def conf(self) -> dict[str, str]:
        return dict(self.spark_conf)

    def to_dict(self) -> dict[str, Any]:
        # pairs, not an object: the API validates a definition against this dataclass's own field types
        return {
            "kind": self.kind,
            "spark_master": self.spark_master,
            "spark_conf": [list(p) for p in self.spark_conf],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> EngineChoice:
        if not data:
            return cls()
        conf = data.get("spark_conf") or ()
        pairs = conf.items() if isinstance(conf, Mapping) else conf
        try:
            settings = tuple((str(key), str(value)) for key, value in pairs)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"engine.spark_conf: got {conf!r}, expected [key, value] pairs") from exc
        return cls(cast(EngineKind, data.get("kind") or "local"), data.get("spark_master"), settings)
