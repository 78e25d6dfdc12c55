"""What the CPU can do, read from /proc/cpuinfo (no framework needed; Linux only, elsewhere
nothing is reported)."""

from __future__ import annotations

from pathlib import Path

# x86 flags of native bfloat16 arithmetic: AVX512-BF16 (Cooper Lake on) and AMX (Sapphire Rapids on)
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The first processor's ``flags`` line as a set; empty where the file is missing."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def has_native_bf16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes bfloat16 natively (else frameworks emulate it, far slower)."""
    return any(flag in cpu_flags(cpuinfo) for flag in NATIVE_BF16_FLAGS)
