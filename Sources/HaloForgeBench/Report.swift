internal import Foundation

/// Plots and a one-page HTML report, with no dependency beyond string building.
public enum Report {
    /// A line chart of `series` over cycles (x = 0 is the baseline) as SVG.
    public static func lineChart(title: String, xLabels: [String], series: [(name: String, values: [Double?])], percent: Bool) -> String {
        let width = 520.0, height = 300.0, left = 56.0, right = 130.0, top = 36.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap { $0.values.compactMap { $0 } }
        var lo = min(all.min() ?? 0, 0), hi = max(all.max() ?? 1, percent ? 0.0 : 1e-9)
        if percent { lo = 0; hi = max(hi, 0.05) }
        if hi - lo < 1e-9 { hi = lo + 1 }
        hi += (hi - lo) * 0.08
        let n = max(xLabels.count - 1, 1)
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" font-family="sans-serif" font-size="12">"##
        svg += ##"<rect width="100%" height="100%" fill="white"/><text x="\##(left)" y="20" font-size="14" font-weight="bold">\##(escape(title))</text>"##
        for t in 0...4 {
            let v = lo + (hi - lo) * Double(t) / 4
            let label = percent ? String(format: "%.0f%%", v * 100) : String(format: "%.3g", v)
            svg += ##"<line x1="\##(left)" x2="\##(left + plotW)" y1="\##(y(v))" y2="\##(y(v))" stroke="#ddd"/><text x="\##(left - 6)" y="\##(y(v) + 4)" text-anchor="end">\##(label)</text>"##
        }
        for (i, label) in xLabels.enumerated() {
            svg += ##"<text x="\##(x(i))" y="\##(top + plotH + 18)" text-anchor="middle">\##(escape(label))</text>"##
        }
        for (s, item) in series.enumerated() {
            let color = colors[s % colors.count]
            let points = item.values.enumerated().compactMap { i, v in v.map { (x(i), y($0)) } }
            if points.count > 1 {
                svg += ##"<polyline fill="none" stroke="\##(color)" stroke-width="2" points="\##(points.map { "\($0.0),\($0.1)" }.joined(separator: " "))"/>"##
            }
            for p in points { svg += ##"<circle cx="\##(p.0)" cy="\##(p.1)" r="3" fill="\##(color)"/>"## }
            svg += ##"<rect x="\##(left + plotW + 12)" y="\##(top + Double(s) * 18)" width="10" height="10" fill="\##(color)"/><text x="\##(left + plotW + 26)" y="\##(top + Double(s) * 18 + 9)">\##(escape(item.name))</text>"##
        }
        return svg + "</svg>\n"
    }

    /// One page: the headline, the table and the plots.
    public static func html(title: String, headline: String, header: [String], rows: [[String]], svgs: [String]) -> String {
        var page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>"
        page += "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f4f4f4}.plots{display:flex;flex-wrap:wrap;gap:12px}"
        page += "</style></head><body><h1>\(escape(title))</h1><p>\(escape(headline))</p><table><tr>"
        page += header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows { page += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        page += "</table><div class=\"plots\">" + svgs.joined() + "</div></body></html>\n"
        return page
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
