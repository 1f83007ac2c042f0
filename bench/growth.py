"""Growth curves: search p95, app memory and indexing throughput against catalogue size, both backends,
and where each measure of issue 21's one-million targets is headed.

Plots bench/results/growth.json (written by `python -m bench.search`, one point per size, backend and
model; the newest run of each wins) for the default model into bench/results/growth.png, and writes
bench/results/growth.md: each target measure at the largest size measured and at one million listings,
measured if a run reached it, else extrapolated by a straight line (least squares over the sizes from
10k up: an index's memory, its load time and a scan's cost grow with the listings; where they grow
slower, the line overestimates). Needs the `bench` extra (matplotlib).

    python -m bench.growth
"""
from __future__ import annotations

import json
from itertools import groupby

import numpy as np

from bench.common import RESULTS, model_name, table, write_report

# Each panel: its title and the series it draws (measurement key, how the legend names it).
PANELS = [("search API p95 (ms)", [("p95", "")]),
          ("app memory, master + 4 workers, PSS (MiB)", [("app_pss_mib", "")]),
          ("index rebuild (listings/s)", [("index_docs_s", "")])]
MILLION = 1_000_000
FIT_FROM = 10_000  # below this, fixed costs (the model, the runtime) hide the growth
# Issue 21's targets at one million listings: (measurement key, what it is, backend, most allowed).
TARGETS = [("p95", "search API p95 (ms)", "embedded", 60), ("p95", "search API p95 (ms)", "opensearch", 100),
           ("load_s", "embedded index load from its rows, no checkpoint (s)", "embedded", 30),
           ("restart_s", "embedded index load from its checkpoint: every start after a rebuild (s)", "embedded", 30),
           ("app_pss_mib", "app memory, PSS (MiB)", "embedded", 4096),
           ("app_pss_mib", "app memory, PSS (MiB)", "opensearch", 4096)]


def series(measurements: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Points per (model, backend), by size."""
    ordered = sorted(measurements, key=lambda m: (m["model"], m["backend"], m["listings"]))
    return {key: list(group) for key, group in groupby(ordered, key=lambda m: (m["model"], m["backend"]))}


def line_through(points: list[dict], key: str) -> np.ndarray | None:
    """Coefficients (slope, intercept) of the least-squares line of `key` against listings, from
    FIT_FROM up; None with fewer than two such points."""
    fitted = [(p["listings"], p[key]) for p in points if p["listings"] >= FIT_FROM and p.get(key) is not None]
    if len(fitted) < 2:
        return None
    sizes, values = zip(*fitted, strict=True)
    return np.polyfit(sizes, values, 1)


def outlook(measurements: list[dict]) -> list[list[str]]:
    rows = []
    for (model, backend), points in series(measurements).items():
        if model != model_name():  # the default model's figures; growth.png draws the others
            continue
        for key, label, target_backend, limit in TARGETS:
            measured = [p for p in points if p.get(key) is not None]
            if backend != target_backend or not measured:
                continue
            largest = measured[-1]
            at_million = next((p[key] for p in measured if p["listings"] == MILLION), None)
            line = line_through(measured, key)
            if at_million is not None:
                figure, how = at_million, "measured"
            elif line is None:
                continue
            elif line[0] <= 0:  # noise between runs outweighs any growth: a falling line predicts nothing
                figure, how = largest[key], f"no growth measured over {_sizes(measured)}: the largest's value"
            else:
                figure, how = float(np.polyval(line, MILLION)), f"extrapolated from {_sizes(measured)}"
            rows.append([model, backend, label, f"{largest[key]:,.1f} at {largest['listings']:,}",
                         f"{figure:,.1f}", how, f"{limit:,}", "met" if figure <= limit else "missed"])
    return rows


def _sizes(points: list[dict]) -> str:
    return ", ".join(f"{p['listings'] // 1000:,}k" for p in points if p["listings"] >= FIT_FROM)


def plot(measurements: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 4), constrained_layout=True)
    extrapolated = {key for key, *_ in TARGETS}
    for axis, (label, panel) in zip(axes, PANELS, strict=True):
        for (model, backend), points in series(measurements).items():
            for key, suffix in panel:
                drawn = [p for p in points if p.get(key) is not None]
                if model != model_name() or not drawn:
                    continue
                sizes = [p["listings"] for p in drawn]
                (curve,) = axis.plot(sizes, [p[key] for p in drawn], marker="o", label=backend + suffix)
                line = line_through(drawn, key)
                if key in extrapolated and line is not None and line[0] > 0 and sizes[-1] < MILLION:
                    ahead = np.geomspace(sizes[-1], MILLION, 20)
                    axis.plot(ahead, np.polyval(line, ahead), linestyle="--", color=curve.get_color())
        axis.set_xscale("log")
        axis.set_xlabel("listings")
        axis.set_title(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(f"Growth with catalogue size ({model_name()}; bench/results/search.md); dashed: "
                    "straight-line extrapolation to 1M (bench/results/growth.md)")
    path = RESULTS / "growth.png"
    figure.savefig(path, dpi=100)
    print(path)


def main() -> None:
    measurements = json.loads((RESULTS / "growth.json").read_text())
    plot(measurements)
    body = ("Each measure of issue 21's one-million targets: the largest catalogue measured (bench/results/"
            "growth.json, from `python -m bench.search`) and one million listings, measured where a run reached "
            f"it, else extrapolated by the least-squares straight line through the sizes from {FIT_FROM:,} up.\n\n"
            + "A line that falls (noise between runs larger than the growth) predicts nothing: the largest "
              "catalogue's value stands instead, marked as such.\n\n"
            + table(["model", "backend", "measure", "largest measured", "at 1,000,000", "how", "target", ""],
                    outlook(measurements)))
    print(write_report("growth", "Growth towards one million listings", body))


if __name__ == "__main__":
    main()
