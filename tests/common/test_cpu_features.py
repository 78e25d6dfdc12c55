from common.cpu_features import cpu_flags, has_native_bf16

# two processors of an AMX Xeon, abridged; only the first one's flags are read
AMX = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8

processor\t: 1
flags\t\t: fpu sse2
"""
EPYC = """processor\t: 0
model name\t: AMD EPYC 7B12
flags\t\t: fpu sse2 avx2 fma
"""


def test_flags_of_the_first_processor(tmp_path):
    (tmp_path / "cpuinfo").write_text(AMX)
    assert cpu_flags(tmp_path / "cpuinfo") == {
        "fpu", "sse2", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}


def test_native_bf16_needs_avx512_bf16_or_amx(tmp_path):
    for text, native in ((AMX, True), (EPYC, False),
                         (EPYC.replace("fma", "fma avx512_bf16"), True),
                         (EPYC.replace("fma", "fma amx_bf16"), True)):
        (tmp_path / "cpuinfo").write_text(text)
        assert has_native_bf16(tmp_path / "cpuinfo") is native


def test_no_cpuinfo_means_no_flags(tmp_path):
    assert cpu_flags(tmp_path / "missing") == set()
    assert not has_native_bf16(tmp_path / "missing")
