@testable import Areas
import EventContracts
import Foundation
import TestSupport
import Testing

/// Loading the rest of the country from the official commune list (docs/areas.md, "Loading the whole country").
/// The rows below are a test fixture in the list's format: province codes are real (01 Hà Nội, 79 Hồ Chí Minh), the
/// commune codes 9000x and their names are made up, so they cannot be mistaken for the real list.
@Suite struct OfficialCommuneListTests {
    static let fixture = """
        \u{FEFF}Mã tỉnh,Tên tỉnh,Mã xã,Tên xã,Cấp
        01,Thành phố Hà Nội,90001,Phường Thử Nghiệm Một,Phường
        01,Thành phố Hà Nội,90002,Xã Thử Nghiệm Hai,Xã
        79,Thành phố Hồ Chí Minh,90003,Đặc khu Thử Nghiệm Ba,Đặc khu
        19,Tỉnh Thái Nguyên,01840,Phường Đức Xuân,Phường

        """

    static let provinces: Set<String> = ["01", "19", "79"]

    @Test func readsTheListWithItsKindsFromTheNames() {
        let list = OfficialCommuneList.read(Self.fixture, provinces: Self.provinces)
        #expect(list.errors == [])
        #expect(list.communes.map(\.code) == ["90001", "90002", "90003", "01840"])
        #expect(list.communes.map(\.kind) == ["phuong", "xa", "dac_khu", "phuong"])
        #expect(list.communes.allSatisfy { $0.validFrom == "2025-07-01" && $0.validTo == nil })
    }

    @Test func everyBadRowIsNamedWithItsColumnAndNothingOfItIsKept() {
        let text = """
            Mã tỉnh,Mã xã,Tên xã
            01,9001,Phường Ngắn
            99,90005,Xã Không Tỉnh
            01,90006,Thôn Không Phải Xã
            01,90007,Xã Đúng
            01,90007,Xã Trùng Mã

            """
        let list = OfficialCommuneList.read(text, provinces: Self.provinces)
        #expect(list.communes.map(\.code) == ["90007"])
        #expect(list.errors == [
            .init(row: 2, column: "Mã xã", reason: "'9001' is not a 5-digit commune code"),
            .init(row: 3, column: "Mã tỉnh", reason: "'99' is not a province code in force from 2025-07-01"),
            .init(row: 4, column: "Tên xã", reason: "'Thôn Không Phải Xã' does not start with Xã, Phường or Đặc khu"),
            .init(row: 6, column: "Mã xã", reason: "commune code 90007 is already on row 5"),
        ])
        let headerless = OfficialCommuneList.read("code,name\n90001,Xã A\n", provinces: Self.provinces)
        #expect(headerless.errors.map(\.row) == [1] && headerless.errors[0].reason.hasPrefix("no province column"))
    }

    @Test func mergingAddsWhatIsMissingKeepsWhatIsShippedAndIsRepeatable() throws {
        let shipped = try String(contentsOf: try AreaRegistry.bundledDirectory().appendingPathComponent("communes.csv"), encoding: .utf8)
        var listed = OfficialCommuneList.read(Self.fixture, provinces: Self.provinces).communes
        listed.append(CommuneUnit(code: "01843", name: "Phường Khác Tên", kind: "phuong", provinceCode: "19", validFrom: "2025-07-01", validTo: nil))
        let merged = OfficialCommuneList.merge(communesCSV: shipped, with: listed, source: "fixture")
        #expect(merged.added == 3)
        #expect(merged.csv.hasPrefix(shipped), "the shipped rows are kept, unchanged and first")
        #expect(merged.disagreements.count == 1 && merged.disagreements[0].hasPrefix("commune 01843"))
        #expect(OfficialCommuneList.merge(communesCSV: shipped, with: listed.reversed(), source: "fixture").csv == merged.csv)
        #expect(OfficialCommuneList.merge(communesCSV: merged.csv, with: listed, source: "fixture").added == 0)
    }

    @Test func aServiceLoadingTheDirectoryResolvesNewAndShippedCommunes() throws {
        let dir = URL(fileURLWithPath: try TestEnvironment.temporaryDirectory("areas"))
        let result = try OfficialCommuneList.makeDirectory(from: Self.fixture, into: dir, source: "fixture")
        #expect(result.errors == [] && result.summary?.added == 3 && result.summary?.listed == 4)
        let first = try Data(contentsOf: dir.appendingPathComponent("communes.csv"))
        _ = try OfficialCommuneList.makeDirectory(from: Self.fixture, into: dir, source: "fixture")
        #expect(try Data(contentsOf: dir.appendingPathComponent("communes.csv")) == first, "the same list gives the same file")

        let (registry, source) = try AreaRegistry.configured(environment: ["AREAS_DIR": dir.path])
        #expect(source == dir.path)
        let hanoi = try registry.commune("90001", on: "2026-10-01")
        #expect(hanoi.provinceCode == "01" && hanoi.areaType == .urban)
        #expect(try registry.commune("90002", on: "2026-10-01").areaType == .rural)
        #expect(try registry.commune("01840", on: "2026-10-01").name == "Phường Đức Xuân")
        #expect(throws: FieldError.self) { try registry.commune("90001", on: "2025-06-30") }
        #expect(throws: FieldError.self) { try AreaRegistry.bundled().commune("90001", on: "2026-10-01") }
        #expect(try AreaRegistry.configured(environment: [:]).source == "shipped")

        let bad = try OfficialCommuneList.makeDirectory(
            from: "Mã tỉnh,Mã xã,Tên xã\n01,1,Xã A\n", into: dir.appendingPathComponent("bad"), source: "fixture")
        #expect(bad.summary == nil && bad.errors.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path), "nothing written")
    }
}
