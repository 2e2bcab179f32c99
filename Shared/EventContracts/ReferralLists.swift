/// A commune's list for its savings-and-loan groups: each recognised household of a review round with what the bank
/// needs to take its request (the head's name and CCCD, the class and its recognition decision, the programme, and the
/// cap, rate and maximum term in force on the list's date). Personal: it goes to the bank and the groups only.
/// Served by `GET /v1/referral-lists/{communeCode}?round=` and published on `giamngheo.vbsp.referral-list.v1`.
public struct ReferralList: Codable, Sendable, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        public var householdId: String
        public var headName: String
        public var headCCCD: String?
        public var village: String?
        public var householdClass: HouseholdClass
        public var decisionNumber: String
        public var decisionDate: String
        public var referralId: String
        public var programmeId: String
        public var programmeName: String
        public var maxLoanVnd: Int64
        public var annualRatePercent: Double
        public var maxTermMonths: Int

        public init(
            householdId: String, headName: String, headCCCD: String?, village: String?, householdClass: HouseholdClass, decisionNumber: String,
            decisionDate: String, referralId: String, programmeId: String, programmeName: String, maxLoanVnd: Int64, annualRatePercent: Double,
            maxTermMonths: Int
        ) {
            self.householdId = householdId
            self.headName = headName
            self.headCCCD = headCCCD
            self.village = village
            self.householdClass = householdClass
            self.decisionNumber = decisionNumber
            self.decisionDate = decisionDate
            self.referralId = referralId
            self.programmeId = programmeId
            self.programmeName = programmeName
            self.maxLoanVnd = maxLoanVnd
            self.annualRatePercent = annualRatePercent
            self.maxTermMonths = maxTermMonths
        }
    }

    public var communeCode: String
    public var roundId: String
    /// The day the rates are those in force on.
    public var on: String
    public var rows: [Row]

    public init(communeCode: String, roundId: String, on: String, rows: [Row]) {
        self.communeCode = communeCode
        self.roundId = roundId
        self.on = on
        self.rows = rows
    }
}

