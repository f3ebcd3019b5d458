"""The one compiled part: the matcher's inner loops (wechat_bot/services/_matcher.c).

Optional: without a C compiler the install still succeeds and the matcher runs its
Python version, which gives the same answers more slowly (bench/README.md). Everything
else about the package is in pyproject.toml.
"""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "wechat_bot.services._matcher",
            ["wechat_bot/services/_matcher.c"],
            # the same floating-point operations as the Python version, in the same order:
            # no fused multiply-adds
            extra_compile_args=["-O2", "-ffp-contract=off"],
            optional=True,
        )
    ]
)
