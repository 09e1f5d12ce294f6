import HaloForgeRender
import Testing

/// The one rendering report.html and the dashboard draw with.
@Suite struct RenderTests {
    @Test func chartCountsItsPointsAndSkipsGaps() {
        let svg = Render.lineChart(
            title: "t", xLabels: ["1", "2", "3"], series: [("a", [0.1, nil, 0.3]), ("b", [Double.nan, 0.2, 0.4])], percent: true)
        #expect(svg.contains("data-points=\"4\""))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 4)
        #expect(!svg.contains("nan") && !svg.contains("NaN"))
    }

    @Test func everyTextIsEscaped() {
        let svg = Render.lineChart(title: "<script>x</script>", xLabels: ["<b>"], series: [("\"&'", [1])], percent: false)
        #expect(!svg.contains("<script>") && !svg.contains("<b>"))
        #expect(svg.contains("&lt;script&gt;x&lt;/script&gt;") && svg.contains("&quot;&amp;&#39;"))
        let table = Render.table(header: ["<h>"], rows: [["<td>", "<a href=\"/x\">ok</a>"]], raw: [1])
        #expect(table.contains("<th>&lt;h&gt;</th>") && table.contains("<td>&lt;td&gt;</td>") && table.contains("<a href=\"/x\">ok</a>"))
    }
}
