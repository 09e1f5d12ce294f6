internal import HaloForgeRender

/// The benchmark's one-page HTML report, drawn with the dashboard's rendering.
public enum Report {
    /// A line chart of `series` over cycles (x = 0 is the baseline) as SVG.
    public static func lineChart(title: String, xLabels: [String], series: [(name: String, values: [Double?])], percent: Bool) -> String {
        Render.lineChart(title: title, xLabels: xLabels, series: series, percent: percent)
    }

    /// One page: the headline, the table and the plots.
    public static func html(title: String, headline: String, header: [String], rows: [[String]], svgs: [String]) -> String {
        Render.page(
            title: title,
            body: "<h1>\(Render.escape(title))</h1><p>\(Render.escape(headline))</p>" + Render.table(header: header, rows: rows)
                + "<div class=\"plots\">" + svgs.joined() + "</div>")
    }
}
