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


/// One partition's share of a commune's list: the referral sets of the households of one partition of
/// `giamngheo.classified-household.v1` filed under the commune and round. Published on
/// `giamngheo.vbsp.referral-list-part.v1` by the instance of loan-referral that holds the partition; the list is made
/// from every partition's latest share.
public struct ReferralListPart: Codable, Sendable, Hashable {
    public var communeCode: String
    public var roundId: String
    public var partition: Int32
    /// One more than the offset, on that partition, of the last record that changed the share: a share replayed by an
    /// instance that took the partition over is never taken for a newer one.
    public var version: Int64
    /// That record's `ce_time`.
    public var time: String
    /// The sets, by household id.
    public var sets: [LoanReferralSet]

    public init(communeCode: String, roundId: String, partition: Int32, version: Int64, time: String, sets: [LoanReferralSet]) {
        self.communeCode = communeCode
        self.roundId = roundId
        self.partition = partition
        self.version = version
        self.time = time
        self.sets = sets
    }

    /// The list's key, which partitions the share.
    public var listKey: String { "\(communeCode)/\(roundId)" }
    public var key: String { "\(listKey)/\(partition)" }
}
