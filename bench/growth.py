"""Growth curves: search p95, app memory and indexing throughput against catalogue size, both backends.

Plots bench/results/growth.json (written by `python -m bench.search`, one point per size, backend and
model; the newest run of each wins) into bench/results/growth.png. Needs the `bench` extra (matplotlib).

    python -m bench.growth
"""
from __future__ import annotations

import json
from itertools import groupby

from bench.common import RESULTS

# Each panel: its title and the series it draws (measurement key, how the legend names it).
PANELS = [("search API p95 (ms)", [("p95", "")]),
          ("app memory, master + 4 workers (MiB)", [("app_pss_mib", " PSS"), ("app_rss_mib", " RSS summed")]),
          ("index rebuild (listings/s)", [("index_docs_s", "")])]


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    measurements = json.loads((RESULTS / "growth.json").read_text())
    figure, axes = plt.subplots(1, len(PANELS), figsize=(5 * len(PANELS), 4), constrained_layout=True)
    models = sorted({m["model"] for m in measurements})
    ordered = sorted(measurements, key=lambda m: (m["model"], m["backend"], m["listings"]))
    for axis, (label, series) in zip(axes, PANELS, strict=True):
        for (model, backend), group in groupby(ordered, key=lambda m: (m["model"], m["backend"])):
            group = list(group)
            for key, suffix in series:
                points = [p for p in group if p.get(key) is not None]
                if points:
                    name = (backend if len(models) == 1 else f"{backend}, {model}") + suffix
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
