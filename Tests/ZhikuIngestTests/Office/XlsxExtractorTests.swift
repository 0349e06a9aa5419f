import Testing
@testable import ZhikuIngest

/// How cells are shown: date serials in both date systems (with Excel's phantom 29 February 1900), number formats,
/// references.
@Suite struct XlsxExtractorTests {
    @Test func dateSerialsAreCalendarDates() {
        func date(_ serial: Double, _ date1904: Bool = false) -> String {
            XlsxExtractor.dateText(serial, time: false, date: true, date1904: date1904)
        }
        #expect(date(1) == "1900-01-01")
        #expect(date(59) == "1900-02-28")
        #expect(date(61) == "1900-03-01")
        #expect(date(45351) == "2024-02-29")
        #expect(date(0, true) == "1904-01-01")
        #expect(date(1461, true) == "1908-01-01", "1904 was a leap year")
        #expect(XlsxExtractor.dateText(45351.75, time: true, date: true, date1904: false) == "2024-02-29 18:00:00")
        #expect(XlsxExtractor.dateText(0.5, time: true, date: false, date1904: false) == "12:00:00")
    }

    @Test func numberFormatsSayWhatACellHolds() {
        #expect(XlsxExtractor.format(id: 14, code: nil) == .date(time: false, date: true))
        #expect(XlsxExtractor.format(id: 164, code: "yyyy/m/d") == .date(time: false, date: true))
        #expect(XlsxExtractor.format(id: 165, code: "h:mm") == .date(time: true, date: false))
        #expect(XlsxExtractor.format(id: 166, code: "0.00%") == .percent(decimals: 2))
        #expect(XlsxExtractor.format(id: 167, code: "#,##0.00") == .general)
        #expect(XlsxExtractor.format(id: 168, code: "[Red]0.00;\"day\"") == .general, "quoted text and colours are not date parts")
        #expect(XlsxExtractor.format(id: 169, code: "[$-804]yyyy\"年\"m\"月\"d\"日\"") == .date(time: false, date: true))
        #expect(XlsxExtractor.general(830.5) == "830.5")
        #expect(XlsxExtractor.general(1200) == "1200")
        #expect(XlsxExtractor.general(0.1 + 0.2) == "0.3")
    }

    @Test func referencesAreColumnsAndRows() {
        #expect(XlsxExtractor.position("A1")! == (0, 1))
        #expect(XlsxExtractor.position("AA10")! == (26, 10))
        #expect(XlsxExtractor.position("$C$3")! == (2, 3))
        #expect(XlsxExtractor.position("1A") == nil)
    }
}
