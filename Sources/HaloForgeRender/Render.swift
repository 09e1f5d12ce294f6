internal import Foundation

/// Plots, tables and pages as plain strings: `report.html` and the dashboard draw with the
/// same functions, so a plot looks the same in both. Every text that enters a page passes
/// through `escape`.
public enum Render {
    /// The series colours, in order.
    public static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]

    /// A line chart of `series` over `xLabels` as SVG. `data-points` on the root counts the
    /// points drawn, so a page (or a test) can tell when a plot gained one.
    public static func lineChart(title: String, xLabels: [String], series: [(name: String, values: [Double?])], percent: Bool) -> String {
        let width = 520.0, height = 300.0, left = 56.0, right = 130.0, top = 36.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap { $0.values.compactMap { $0 } }.filter { $0.isFinite }
        var lo = min(all.min() ?? 0, 0), hi = max(all.max() ?? 1, percent ? 0.0 : 1e-9)
        if percent { lo = 0; hi = max(hi, 0.05) }
        if hi - lo < 1e-6 { hi = lo + 1 }
        hi += (hi - lo) * 0.08
        let n = max(xLabels.count - 1, 1)
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        var body = ""
        var drawn = 0
        for t in 0...4 {
            let v = lo + (hi - lo) * Double(t) / 4
            let label = percent ? String(format: "%.0f%%", v * 100) : abs(hi) >= 100 ? String(format: "%.0f", v) : String(format: "%.3g", v)
            body += ##"<line x1="\##(left)" x2="\##(left + plotW)" y1="\##(y(v))" y2="\##(y(v))" stroke="#ddd"/><text x="\##(left - 6)" y="\##(y(v) + 4)" text-anchor="end">\##(label)</text>"##
        }
        // Long axes show every k-th label so they do not overlap.
        let step = max(1, xLabels.count / 8)
        for (i, label) in xLabels.enumerated() where i % step == 0 || i == xLabels.count - 1 {
            body += ##"<text x="\##(x(i))" y="\##(top + plotH + 18)" text-anchor="middle">\##(escape(label))</text>"##
        }
        for (s, item) in series.enumerated() {
            let color = colors[s % colors.count]
            let points = item.values.enumerated().compactMap { i, v in v.flatMap { $0.isFinite ? (x(i), y($0)) : nil } }
            drawn += points.count
            if points.count > 1 {
                body += ##"<polyline fill="none" stroke="\##(color)" stroke-width="2" points="\##(points.map { "\($0.0),\($0.1)" }.joined(separator: " "))"/>"##
            }
            for p in points { body += ##"<circle cx="\##(p.0)" cy="\##(p.1)" r="3" fill="\##(color)"/>"## }
            body += ##"<rect x="\##(left + plotW + 12)" y="\##(top + Double(s) * 18)" width="10" height="10" fill="\##(color)"/><text x="\##(left + plotW + 26)" y="\##(top + Double(s) * 18 + 9)">\##(escape(item.name))</text>"##
        }
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" font-family="sans-serif" font-size="12" data-points="\##(drawn)">"##
        svg += ##"<rect width="100%" height="100%" fill="white"/><text x="\##(left)" y="20" font-size="14" font-weight="bold">\##(escape(title))</text>"##
        return svg + body + "</svg>\n"
    }

    /// A table; `raw` columns hold markup the caller built (links), every other cell is escaped.
    public static func table(header: [String], rows: [[String]], raw: Set<Int> = [], attributes: String = "") -> String {
        var html = "<table\(attributes.isEmpty ? "" : " " + attributes)><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for row in rows {
            html += "<tr>" + row.enumerated().map { i, cell in "<td>\(raw.contains(i) ? cell : escape(cell))</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    /// The stylesheet of every page.
    public static let style = """
        body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}\
        td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f4f4f4}\
        .plots{display:flex;flex-wrap:wrap;gap:12px}
        """

    /// A whole page around `body` (markup); `extraStyle` is appended to the stylesheet.
    public static func page(title: String, body: String, extraStyle: String = "") -> String {
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(style)\(extraStyle)</style></head><body>"
            + body + "</body></html>\n"
    }

    /// Text as HTML: safe inside elements and quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
