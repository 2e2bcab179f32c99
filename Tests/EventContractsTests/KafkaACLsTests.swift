import EventContracts
import Testing

/// The broker grants, as the topology says each party reads and writes: expected grants written by hand from
/// docs/events (who publishes and consumes each topic), not from the generator.
@Suite struct KafkaACLsTests {
    static let acls = KafkaACLs.matrix(principals: ["VBSP offices": "User:vbsp-19"])

    static func grants(of principal: String) -> Set<String> {
        Set(acls.filter { $0.principal == principal }.map { "\($0.operation.rawValue) \($0.resource.rawValue) \($0.name) \($0.pattern.rawValue)" })
    }

    @Test func eligibilityReadsHouseholdsAndWritesClassificationsShadowDiffsTheAccessLogItsDeadLettersAndItsInstanceClaims() {
        #expect(Self.grants(of: "User:giamngheo-eligibility") == [
            "Read topic giamngheo.household.v1 literal", "Describe topic giamngheo.household.v1 literal",
            "Write topic giamngheo.classified-household.v1 literal", "Describe topic giamngheo.classified-household.v1 literal",
            "Write topic giamngheo.eligibility.shadow-diff.v1 literal", "Describe topic giamngheo.eligibility.shadow-diff.v1 literal",
            "Write topic giamngheo.dlq.eligibility.v1 literal", "Describe topic giamngheo.dlq.eligibility.v1 literal",
            "Write topic giamngheo.audit.access.v1 literal", "Describe topic giamngheo.audit.access.v1 literal",
            "Read topic giamngheo.instance.v1 literal", "Write topic giamngheo.instance.v1 literal", "Describe topic giamngheo.instance.v1 literal",
            "Read group eligibility prefixed", "Create topic giamngheo. prefixed",
        ])
    }

    @Test func aVBSPOfficeWritesBankEventsAndReadsReferralsListsAndAnswers() {
        #expect(Self.grants(of: "User:vbsp-19") == [
            "Write topic giamngheo.vbsp.loan-event.v1 literal", "Describe topic giamngheo.vbsp.loan-event.v1 literal",
            "Read topic giamngheo.loan-referral.v1 literal", "Describe topic giamngheo.loan-referral.v1 literal",
            "Read topic giamngheo.vbsp.loan-event-outcome.v1 literal", "Describe topic giamngheo.vbsp.loan-event-outcome.v1 literal",
            "Read topic giamngheo.vbsp.referral-list.v1 literal", "Describe topic giamngheo.vbsp.referral-list.v1 literal",
            "Read group vbsp-19- prefixed",
        ])
    }

    @Test func reportingWritesTheFiguresItsTwinTakesAndReadsBackWhatItPublished() {
        let reporting = Self.grants(of: "User:giamngheo-reporting")
        #expect(reporting.isSuperset(of: [
            "Write topic giamngheo.statistics.area-figure.v1 literal", "Read topic giamngheo.statistics.area-figure.v1 literal",
            "Read topic giamngheo.report.v2 literal", "Write topic giamngheo.report.v2 literal", "Read group giamngheo-scan- prefixed",
        ]))
        // Nothing personal: reporting never reads households, referrals or placements.
        #expect(!reporting.contains { $0.contains("giamngheo.household.v1") || $0.contains("loan-referral.v1") || $0.contains("placement-event") })
        #expect(!Self.grants(of: "User:dashboards").contains { $0.hasPrefix("Write") })
    }

    @Test func intakeKeepsTheAccessLogEveryServiceWrites() {
        #expect(Self.grants(of: "User:giamngheo-intake").contains("Read topic giamngheo.audit.access.v1 literal"))
        for service in ["intake", "eligibility", "loan-referral", "training-match", "reporting"] {
            #expect(Self.grants(of: "User:giamngheo-\(service)").contains("Write topic giamngheo.audit.access.v1 literal"), "\(service)")
        }
        #expect(!Self.grants(of: "User:vbsp-19").contains { $0.contains("audit") })
    }

    @Test func everyGrantIsAValidKafkaACLsLine() {
        #expect(Self.acls.first { $0.resource == .group && $0.pattern == .prefixed }?.kafkaACLsArguments.hasSuffix("--resource-pattern-type prefixed") == true)
        #expect(KafkaACL("User:x", .read, .topic, "t").kafkaACLsArguments == "--add --allow-principal User:x --operation Read --topic t")
    }
}
