"""Posts per month by channel as an inline SVG (stacked columns), drawn on the server:
no script, no CDN, readable with images off thanks to its <title>/<desc> and the tables beside it."""
from __future__ import annotations

from markupsafe import Markup, escape

from ..models.post import CHANNELS
from .reports import MONTHS, AnnualReport

COLOURS = {"wechat": "#07a35a", "website": "#1f6fb2", "sunshine_police": "#c0392b", "weibo": "#e67e22", "other": "#7f8c8d"}
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 72


def nice_step(peak: int, ticks: int = 5) -> int:
    raw = max(1, -(-peak // ticks))
    magnitude = 10 ** (len(str(raw)) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def monthly_svg(report: AnnualReport) -> Markup:
    channels = [ch for ch in CHANNELS if report.by_channel.get(ch)] + [
        ch for ch in report.by_channel if ch not in CHANNELS]
    peak = max(report.by_month.values(), default=0)
    step = nice_step(peak)
    top_value = max(step, -(-peak // step) * step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / 12
    bar = slot * 0.6

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top_value

    title = f"{report.year}年每月发布数量（按渠道）"
    desc = "；".join(f"{int(m)}月{report.by_month[m]}条" for m in MONTHS)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" width="100%" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for value in range(0, top_value + 1, step):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="12" fill="#555">{value}</text>')
    for index, month in enumerate(MONTHS):
        x = LEFT + index * slot + (slot - bar) / 2
        base = 0
        for ch in channels:
            count = report.by_month_channel[month].get(ch, 0)
            if not count:
                continue
            label = f"{int(month)}月 {CHANNELS.get(ch, ch)} {count}条"
            parts.append(
                f'<rect class="bar" data-month="{month}" data-channel="{escape(ch)}" x="{x:.1f}" y="{y(base + count):.1f}" '
                f'width="{bar:.1f}" height="{y(base) - y(base + count):.1f}" fill="{COLOURS.get(ch, "#999")}">'
                f'<title>{escape(label)}</title></rect>'
            )
            base += count
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" font-size="12" fill="#333">{int(month)}月</text>')
    legend_y = HEIGHT - 24
    lx = LEFT
    for ch in channels:
        name = CHANNELS.get(ch, ch)
        parts.append(f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" fill="{COLOURS.get(ch, "#999")}"/>')
        parts.append(f'<text x="{lx + 16}" y="{legend_y}" font-size="12" fill="#333">{escape(name)}</text>')
        lx += 16 + 12 * len(name) + 16
    if not channels:
        parts.append(f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" font-size="14" fill="#777">本年没有发布记录</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
