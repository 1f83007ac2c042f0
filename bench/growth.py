"""Growth curves: search p95, app memory and indexing throughput against catalogue size, both backends.

Plots bench/results/growth.json (written by `python -m bench.search`, one point per size, backend and
model; the newest run of each wins) into bench/results/growth.png. Needs the `bench` extra (matplotlib).

    python -m bench.growth
"""
from __future__ import annotations

import json
from itertools import groupby

from bench.common import RESULTS

PANELS = [("p95", "search API p95 (ms)"), ("app_pss_mib", "app PSS, master + 4 workers (MiB)"),
          ("index_docs_s", "index rebuild (listings/s)")]


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    measurements = json.loads((RESULTS / "growth.json").read_text())
    figure, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 4), constrained_layout=True)
    models = sorted({m["model"] for m in measurements})
    for axis, (key, label) in zip(axes, PANELS, strict=True):
        ordered = sorted(measurements, key=lambda m: (m["model"], m["backend"], m["listings"]))
        for (model, backend), points in groupby(ordered, key=lambda m: (m["model"], m["backend"])):
            points = [p for p in points if p.get(key) is not None]
            name = backend if len(models) == 1 else f"{backend}, {model}"
            axis.plot([p["listings"] for p in points], [p[key] for p in points], marker="o", label=name)
        axis.set_xscale("log")
        axis.set_xlabel("listings")
        axis.set_title(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(f"Growth with catalogue size (model {', '.join(models)}; bench/results/search.md)")
    path = RESULTS / "growth.png"
    figure.savefig(path, dpi=100)
    print(path)


if __name__ == "__main__":
    main()
