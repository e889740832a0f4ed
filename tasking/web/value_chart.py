"""The value chart, drawn on the server as SVG: per area, quick-win spend against verified and
estimated cost avoided. Each bar's SVG id says its area and measure, so the drawing can be checked."""

import io

import matplotlib

matplotlib.use("svg")  # no display; this process only ever writes SVG
from matplotlib import pyplot  # noqa: E402  (the backend must be chosen first)

SERIES = (
    ("spent_pence", "Quick-win spend", "#1d70b8"),
    ("verified_net_pence", "Cost avoided, verified", "#00703c"),
    ("estimated_net_pence", "Cost avoided, estimated", "#b58840"),
)


def value_chart_svg(report) -> bytes:
    areas = report.areas
    figure, axes = pyplot.subplots(figsize=(10, 5))
    width = 0.8 / len(SERIES)
    for index, (measure, label, colour) in enumerate(SERIES):
        positions = [i + (index - 1) * width for i in range(len(areas))]
        heights = [line.sums[measure] / 100 for line in areas]
        bars = axes.bar(positions, heights, width, label=label, color=colour)
        for bar, line in zip(bars, areas, strict=True):
            bar.set_gid(f"bar-{line.key}-{measure}")
    axes.set_xticks(range(len(areas)), [line.key for line in areas])
    axes.set_ylabel("Pounds")
    axes.set_title(f"Quick-win spend and cost avoided, {report.start:%-d %b %Y} to {report.end:%-d %b %Y}")
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("£{x:,.0f}"))
    axes.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    pyplot.close(figure)
    return out.getvalue()
