"""Server-drawn SVG figures (no JavaScript): the user-rate trend against the target line, and the
progress bar with its target mark. Only coordinates are computed here; templates draw them."""

from campaign.coverage.report import AreaReport

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 28


def _scale_max(target: float, rates) -> float:
    top = max([target, *[r for r in rates if r is not None]])
    return top * 1.15 if top > 0 else 1.0


def trend_chart(report: AreaReport) -> dict | None:
    points = report.trend
    if not points or report.numbers.population == 0:
        return {"width": WIDTH, "height": HEIGHT, "line": None}
    target = report.campaign.target_rate
    top = _scale_max(target, [p["user_rate"] for p in points])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(1, len(points) - 1)

    def x(i: int) -> float:
        return round(LEFT + plot_w * i / span, 1)

    def y(rate: float) -> float:
        return round(TOP + plot_h * (1 - rate / top), 1)

    line = " ".join(f"{x(i)},{y(p['user_rate'] or 0)}" for i, p in enumerate(points))
    ticks = [0.0, target / 2, target]
    last = points[-1]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "line": line,
        "target_y": y(target),
        "ticks": [{"rate": t, "y": y(t)} for t in ticks],
        "first_date": points[0]["date"],
        "last_date": last["date"],
        "last_x": x(len(points) - 1),
        "last_y": y(last["user_rate"] or 0),
        "last_rate": last["user_rate"],
        "target": target,
    }


def progress_bar(rate: float | None, target: float) -> dict:
    """Widths in a 0–100 viewBox: the rate and the target mark, on a scale that shows both."""
    top = _scale_max(target, [rate])
    return {"value": round(100 * (rate or 0) / top, 1), "target": round(100 * target / top, 1)}
