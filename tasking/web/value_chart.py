"""The value chart, drawn on the server as SVG: per area, quick-win spend against net cost avoided
split as the report's table is (verified claims by what their follow-up found, estimated, not
supported). Each bar's SVG id says its area and measure, so the drawing can be checked.

Its words are SVG text, not outlines, so they can be read, searched and copied, at no less than 9 pt
(12 px) at the drawing's natural size: the report page never shows it below 5/6 of that (the chart's
frame scrolls instead; tasking.css, "reports chart"), so no label falls under 10 px. Opened on its
own it keeps its styles: its response has a content security policy of its own (tasking/security.py,
CHART_POLICY)."""

import io
from functools import cache

# The report's split, net figures; the three verified series add up to the verified total.
SERIES = (
    ("spent_pence", "Quick-win spend", "#1d70b8"),
    ("confirmed_net_pence", "Verified, confirmed at follow-up", "#00703c"),
    ("not_confirmed_net_pence", "Verified, not confirmed at follow-up", "#d4351c"),
    ("verified_only_net_pence", "Verified, not yet checked", "#85994b"),
    ("estimated_net_pence", "Estimated", "#b58840"),
    ("not_supported_net_pence", "Not supported", "#505a5f"),
)


# Text as text, in the page's typeface where the reader has it; sizes in points (1 pt = 4/3 px).
STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "text.color": "#0b0c0c",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
}


@cache
def _matplotlib():
    """matplotlib on first use only: it is a third of a web worker's memory (issue 22, B7), and most
    workers never draw a chart."""
    import matplotlib

    matplotlib.use("svg")  # no display; this process only ever writes SVG
    from matplotlib import pyplot, ticker

    return matplotlib, pyplot, ticker


def value_chart_svg(report) -> bytes:
    matplotlib, _, _ = _matplotlib()
    with matplotlib.rc_context(STYLE):
        return _draw(report)


def _draw(report) -> bytes:
    _, pyplot, ticker = _matplotlib()
    areas = report.areas
    figure, axes = pyplot.subplots(figsize=(9, 5))
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
    axes.yaxis.set_major_formatter(ticker.StrMethodFormatter("£{x:,.0f}"))
    # Below the bars, so it hides none of them.
    axes.legend(ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg")
    pyplot.close(figure)
    return out.getvalue()
