"""The summary of a `mutmut run` over tasking/domain (make mutation): mutants per module and status,
the score over all mutants and over those that change behaviour, and every mutant left alive.

A survivor that cannot change behaviour (an equivalent mutant) is listed with the reason in
tests/domain/equivalent_mutants.toml; every other survivor is a gap in the domain tests. Exits 1
when fewer than 95% of the behaviour-changing mutants are killed.
"""

import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "domain" / "equivalent_mutants.toml"
TARGET = 95.0
DETECTED = {"killed", "timeout", "caught by type check"}


def results() -> dict[str, str]:
    """mutant name -> status, as `mutmut results --all true` reports them."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("tasking."):
            found[name] = status
    return found


def natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def module(name: str) -> str:
    # tasking.domain.policy.xǁPolicyǁfrom_config__mutmut_3 -> policy
    return name.split(".")[2]


def main() -> int:
    status = results()
    if not status:
        print("No mutmut results: run `make mutation`.")
        return 1
    equivalent = tomllib.loads(EQUIVALENTS.read_text("utf-8")).get("equivalent", {}) if EQUIVALENTS.exists() else {}

    by_module: dict[str, Counter] = defaultdict(Counter)
    for name, s in status.items():
        by_module[module(name)][s] += 1
    columns = sorted({s for c in by_module.values() for s in c})
    print(f"\n{'module':<16}" + "".join(f"{c:>11}" for c in columns) + f"{'total':>8}")
    for mod in sorted(by_module):
        counts = by_module[mod]
        print(f"{mod:<16}" + "".join(f"{counts[c]:>11}" for c in columns) + f"{sum(counts.values()):>8}")

    total = len(status)
    killed = sum(1 for s in status.values() if s in DETECTED)
    alive = sorted((n for n, s in status.items() if s not in DETECTED), key=natural)
    explained = [n for n in alive if n in equivalent]
    unexplained = [n for n in alive if n not in equivalent]
    stale = sorted((n for n in equivalent if status.get(n) in DETECTED or n not in status), key=natural)
    behavioural = total - len(explained)
    score = 100.0 * killed / behavioural if behavioural else 100.0

    print(f"\nkilled {killed} of {total} mutants ({100.0 * killed / total:.1f}%)")
    print(
        f"killed {killed} of {behavioural} behaviour-changing mutants ({score:.1f}%; target {TARGET:.0f}%), "
        f"{len(explained)} equivalent"
    )
    if explained:
        print("\nequivalent survivors (tests/domain/equivalent_mutants.toml):")
        for n in explained:
            print(f"  {n}: {equivalent[n]}")
    if unexplained:
        print("\nsurvivors that change behaviour (see each with `.venv/bin/mutmut show NAME`):")
        for n in unexplained:
            print(f"  {n}: {status[n]}")
    if stale:
        print("\nlisted as equivalent but killed or gone (remove from the list):")
        for n in stale:
            print(f"  {n}")
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
