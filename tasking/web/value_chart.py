"""The value chart, drawn on the server as SVG: per area, quick-win spend against net cost avoided
split as the report's table is (verified claims by what their follow-up found, estimated, not
supported). Each bar's SVG id says its area and measure, so the drawing can be checked."""

import io

import matplotlib

matplotlib.use("svg")  # no display; this process only ever writes SVG
from matplotlib import pyplot  # noqa: E402  (the backend must be chosen first)

# The report's split, net figures; the three verified series add up to the verified total.
SERIES = (
    ("spent_pence", "Quick-win spend", "#1d70b8"),
    ("confirmed_net_pence", "Verified, confirmed at follow-up", "#00703c"),
    ("not_confirmed_net_pence", "Verified, not confirmed at follow-up", "#d4351c"),
    ("verified_only_net_pence", "Verified, not yet checked", "#85994b"),
    ("estimated_net_pence", "Estimated", "#b58840"),
    ("not_supported_net_pence", "Not supported", "#505a5f"),
)


def value_chart_svg(report) -> bytes:
    areas = report.areas
    figure, axes = pyplot.subplots(figsize=(12, 5.5))
    width = 0.84 / len(SERIES)
    middle = (len(SERIES) - 1) / 2
    for index, (measure, label, colour) in enumerate(SERIES):
        positions = [i + (index - middle) * width for i in range(len(areas))]
        heights = [line.sums[measure] / 100 for line in areas]
        bars = axes.bar(positions, heights, width, label=label, color=colour)
        for bar, line in zip(bars, areas, strict=True):
            bar.set_gid(f"bar-{line.key}-{measure}")
    axes.set_xticks(range(len(areas)), [line.key for line in areas])
    axes.axhline(0, color="#0b0c0c", linewidth=0.8)
    axes.set_ylabel("Pounds")
    axes.set_title(f"Quick-win spend and net cost avoided, {report.start:%-d %b %Y} to {report.end:%-d %b %Y}")
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("£{x:,.0f}"))
    # Below the bars, so it hides none of them.
    axes.legend(fontsize="small", ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    pyplot.close(figure)
    return out.getvalue()
