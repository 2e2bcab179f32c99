import EventContracts

/// One column of the household CSV: its header name (the JSON field it fills), the rows it applies to, whether it
/// is required, what it means, and how a cell reads into the survey and is written from it.
public struct HouseholdCSVColumn: Sendable {
    public enum Scope: String, Sendable {
        /// `household_ref`, on every row: groups the rows of one household.
        case grouping
        /// Filled on a household's first row (later rows leave it empty or repeat it exactly).
        case household
        /// Filled on every row: one row per member.
        case member
    }

    enum Access: Sendable {
        case grouping
        case household(CellAccess<SurveyInput>)
        case member(CellAccess<SurveyMember>)
    }

    /// The header name.
    public let name: String
    public let scope: Scope
    /// An empty cell (or a missing column) is an error; conditional requirements are told in `meaning`.
    public let required: Bool
    public let meaning: String
    /// Unit of a quantity; empty for codes, categories and text.
    public let unit: String
    /// The values a cell may hold, in the documentation's words.
    public let allowed: String
    let access: Access

    static func grouping(_ name: String, meaning: String) -> Self {
        Self(name: name, scope: .grouping, required: true, meaning: meaning, unit: "", allowed: "text", access: .grouping)
    }

    static func household(_ name: String, _ cell: CellAccess<SurveyInput>, unit: String = "", _ meaning: String) -> Self {
        Self(name: name, scope: .household, required: cell.required, meaning: meaning, unit: unit, allowed: cell.allowed, access: .household(cell))
    }

    static func member(_ name: String, _ cell: CellAccess<SurveyMember>, unit: String = "", _ meaning: String) -> Self {
        Self(name: name, scope: .member, required: cell.required, meaning: meaning, unit: unit, allowed: cell.allowed, access: .member(cell))
    }
}

/// Reads a trimmed cell into one field of `Root` and writes it back: the bridge between a column and the model.
struct CellAccess<Root>: Sendable {
    /// Sets the field from the cell (empty: not given), or returns why the cell is wrong.
    let read: @Sendable (String, inout Root) -> String?
    let write: @Sendable (Root) -> String
    let required: Bool
    let allowed: String

    /// A field the model requires: an empty cell is an error unless the format gives it a value (an empty list).
    static func required<Value>(_ path: any WritableKeyPath<Root, Value> & Sendable, _ format: CellFormat<Value>) -> Self {
        Self(
            read: { cell, root in
                if cell.isEmpty {
                    guard let empty = format.emptyValue else { return "is required" }
                    root[keyPath: path] = empty
                    return nil
                }
                switch format.parse(cell) {
                case .success(let value): root[keyPath: path] = value; return nil
                case .failure(let problem): return problem.reason
                }
            },
            write: { format.format($0[keyPath: path]) }, required: format.emptyValue == nil, allowed: format.allowed)
    }

    /// An optional field: an empty cell leaves it out.
    static func optional<Value>(_ path: any WritableKeyPath<Root, Value?> & Sendable, _ format: CellFormat<Value>) -> Self {
        Self(
            read: { cell, root in
                if cell.isEmpty { root[keyPath: path] = nil; return nil }
                switch format.parse(cell) {
                case .success(let value): root[keyPath: path] = value; return nil
                case .failure(let problem): return problem.reason
                }
            },
            write: { $0[keyPath: path].map(format.format) ?? "" }, required: false, allowed: format.allowed)
    }
}

extension SurveyInput {
    /// The survey a household's first row is read into; every required field is overwritten or reported missing.
    static let csvBlank = SurveyInput(
        communeCode: "", reviewKind: .periodic, surveyDate: "", members: [],
        conditions: LivingConditions(
            housing: Housing(walls: .other, columns: .other, roof: .other, floorAreaM2: 0), water: .other, latrine: .other,
            waste: .other, information: InformationAccess(telecomUse: false, internetUse: false, devices: []),
            income: Income(method: .declared)))
}

extension SurveyMember {
    /// The member a row is read into; every required field is overwritten or reported missing.
    static let csvBlank = SurveyMember(
        fullName: "", cccd: nil, birthDate: "",
        facts: MemberFacts(
            relation: .other, sex: .male, ethnicity: "", disability: .none, workingCapacity: .full, healthInsurance: false,
            education: Education(attained: .none, enrolled: false), employment: Employment(status: .notInLabourForce),
            socialAllowance: false))
}
