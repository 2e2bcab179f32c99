import EventContracts
import Foundation

/// Deprivation verdicts, computed from the surveyed facts only. Reasons name members by `memberId`, never by name.
enum IndicatorEvaluator {
    static let noMembers = "the household has no members (not a valid input), so there is nobody to check; counted as not deprived."

    static func evaluate(_ definition: IndicatorDefinition, _ household: HouseholdSnapshot) -> IndicatorResult {
        let (deprived, why) = verdict(definition.rule, household)
        let reason = "\(deprived ? "Deprived" : "Not deprived") (\(definition.name)): \(why)"
        return IndicatorResult(id: definition.id, dimension: definition.dimension, deprived: deprived, reason: reason)
    }

    static func verdict(_ rule: IndicatorRule, _ household: HouseholdSnapshot) -> (Bool, String) {
        let members = household.members
        let conditions = household.conditions
        switch rule {
        case .employment(let rule): return employment(rule, members)
        case .dependants(let rule): return dependants(rule, members)
        case .nutrition(let rule): return nutrition(rule, members)
        case .healthInsurance(let rule): return healthInsurance(rule, members)
        case .adultEducation(let rule): return adultEducation(rule, members)
        case .childSchooling(let rule): return childSchooling(rule, members)
        case .housingQuality(let rule): return housingQuality(rule, conditions.housing)
        case .housingArea(let rule): return housingArea(rule, conditions.housing, memberCount: members.count)
        case .water(let rule):
            let source = conditions.water
            return rule.acceptedSources.contains(source)
                ? (false, "the water source '\(source.rawValue)' is an accepted safe source.")
                : (true, "the water source '\(source.rawValue)' is not one of \(list(rule.acceptedSources)).")
        case .latrine(let rule):
            let latrine = conditions.latrine
            return rule.hygienicTypes.contains(latrine)
                ? (false, "the latrine '\(latrine.rawValue)' is a hygienic type.")
                : (true, "the latrine '\(latrine.rawValue)' is not one of the hygienic types \(list(rule.hygienicTypes)).")
        case .telecom(let rule): return telecom(rule, conditions.information)
        case .informationDevices(let rule):
            let owned = conditions.information.devices
            let counted = rule.countedDevices.filter(owned.contains)
            if !counted.isEmpty { return (false, "the household owns \(list(counted)).") }
            let others = owned.isEmpty ? "it owns no device" : "it owns only \(list(owned))"
            return (true, "the household owns none of \(list(rule.countedDevices)); \(others).")
        case .wasteTreatment(let rule):
            let waste = conditions.waste
            return rule.acceptedTreatments.contains(waste)
                ? (false, "waste is handled by '\(waste.rawValue)', an accepted treatment.")
                : (true, "waste is handled by '\(waste.rawValue)', not one of \(list(rule.acceptedTreatments)).")
        }
    }

    // MARK: - Member indicators

    static func employment(_ rule: EmploymentRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        let range = "\(rule.minAge) to below \(rule.retirementAge.male) for men, \(rule.retirementAge.female) for women"
        let workingAge = members.filter { $0.ageYears >= rule.minAge && $0.ageYears < rule.retirementAge[$0.facts.sex] }
        guard !workingAge.isEmpty else { return (false, "no member is of working age (\(range)).") }
        var findings: [String] = []
        var unknownContract: [String] = []
        for member in workingAge {
            let job = member.facts.employment
            if job.status == .unemployed {
                findings.append("\(member.memberId) (age \(member.ageYears)) is unemployed")
            } else if job.status == .employed && job.type == .wage {
                switch job.labourContract {
                case false?: findings.append("\(member.memberId) (age \(member.ageYears)) works for wages without a labour contract")
                case nil: unknownContract.append(member.memberId)
                case true?: break
                }
            }
        }
        if !findings.isEmpty { return (true, findings.joined(separator: "; ") + " (working age \(range)).") }
        var text = "no working-age member (\(ids(workingAge))) is unemployed or works for wages without a labour contract"
        if !unknownContract.isEmpty {
            text += "; the labour contract of wage worker(s) \(unknownContract.joined(separator: ", ")) was not recorded and is not counted as missing"
        }
        return (false, text + ".")
    }

    static func dependants(_ rule: DependantsRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        var dependants: [String] = []
        for member in members {
            let facts = member.facts
            if member.ageYears < rule.childAgeBelow {
                dependants.append("\(member.memberId) child under \(rule.childAgeBelow)")
            } else if member.ageYears >= rule.elderlyAgeFrom && (facts.socialAllowance || !rule.elderlyRequiresSocialAllowance) {
                dependants.append("\(member.memberId) aged \(member.ageYears)\(facts.socialAllowance ? " on social allowance" : "")")
            } else if facts.disability != .none && (facts.socialAllowance || !rule.disabledRequiresSocialAllowance) {
                dependants.append("\(member.memberId) disabled\(facts.socialAllowance ? " on social allowance" : "")")
            }
        }
        let share = Double(dependants.count) / Double(members.count)
        let limit = formatShare(rule.deprivedWhenShareAbove)
        let who = dependants.isEmpty ? "" : " (\(dependants.joined(separator: ", ")))"
        let counted = "\(dependants.count) of \(members.count) members are dependants\(who)"
        return share > rule.deprivedWhenShareAbove
            ? (true, "\(counted), more than \(limit).")
            : (false, "\(counted), not more than \(limit).")
    }

    static func nutrition(_ rule: NutritionRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        let children = members.filter { $0.ageYears < rule.childAgeBelow }
        guard !children.isEmpty else { return (false, "no child under \(rule.childAgeBelow).") }
        let affected = children.filter { $0.facts.nutrition.map(rule.deprivedStatuses.contains) ?? false }
        if !affected.isEmpty {
            let text = affected.map { "\($0.memberId) (age \($0.ageYears)) is \($0.facts.nutrition!.rawValue)" }
            return (true, text.joined(separator: "; ") + ".")
        }
        let unknown = children.filter { $0.facts.nutrition == nil }.map(\.memberId)
        var text = "no child under \(rule.childAgeBelow) (\(ids(children))) is \(list(rule.deprivedStatuses, conjunction: "or"))"
        if !unknown.isEmpty { text += "; nutrition of \(unknown.joined(separator: ", ")) was not recorded" }
        return (false, text + ".")
    }

    static func healthInsurance(_ rule: HealthInsuranceRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        let concerned = members.filter { $0.ageYears >= rule.minAge }
        guard !concerned.isEmpty else { return (false, "no member is aged \(rule.minAge) or more.") }
        let uninsured = concerned.filter { !$0.facts.healthInsurance }
        if !uninsured.isEmpty {
            let text = uninsured.map { "\($0.memberId) (age \($0.ageYears))" }.joined(separator: ", ")
            return (true, "\(text) \(uninsured.count == 1 ? "has" : "have") no health insurance (required from age \(rule.minAge)).")
        }
        return (false, "every member aged \(rule.minAge) or more (\(ids(concerned))) has health insurance.")
    }

    static func adultEducation(_ rule: AdultEducationRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        var concerned: [HouseholdMember] = []
        var lacking: [String] = []
        for member in members {
            guard let band = rule.bands.first(where: { ($0.minAge...$0.maxAge).contains(member.ageYears) }) else { continue }
            concerned.append(member)
            let education = member.facts.education
            if rule.enrolmentCounts && education.enrolled { continue }
            if rule.workplaceCertificateCounts && education.workplaceTrainingCertificate == true { continue }
            if band.acceptedAttainment.contains(education.attained) { continue }
            lacking.append(
                "\(member.memberId) (age \(member.ageYears)) is not studying and has attained '\(education.attained.rawValue)', "
                    + "below \(list(band.acceptedAttainment, conjunction: "or")) required at \(band.minAge)–\(band.maxAge)")
        }
        let ages = rule.bands.map { "\($0.minAge)–\($0.maxAge)" }.joined(separator: ", ")
        guard !concerned.isEmpty else { return (false, "no member is aged \(ages).") }
        if !lacking.isEmpty { return (true, lacking.joined(separator: "; ") + ".") }
        return (false, "every member aged \(ages) (\(ids(concerned))) is studying or has the education required for their age.")
    }

    static func childSchooling(_ rule: ChildSchoolingRule, _ members: [HouseholdMember]) -> (Bool, String) {
        guard !members.isEmpty else { return (false, noMembers) }
        var children: [HouseholdMember] = []
        var findings: [String] = []
        var unknownLevel: [String] = []
        for member in members {
            guard let band = rule.bands.first(where: { ($0.minAge...$0.maxAge).contains(member.ageYears) }) else { continue }
            children.append(member)
            let education = member.facts.education
            if !education.enrolled {
                findings.append("\(member.memberId) (age \(member.ageYears)) is not attending school")
            } else if let level = education.currentLevel {
                if !band.acceptedLevels.contains(level) {
                    findings.append(
                        "\(member.memberId) (age \(member.ageYears)) attends '\(level.rawValue)', not \(list(band.acceptedLevels, conjunction: "or")) as suited to the age")
                }
            } else {
                unknownLevel.append(member.memberId)
            }
        }
        let ages = "\(rule.bands.map(\.minAge).min() ?? 0) to \(rule.bands.map(\.maxAge).max() ?? 0)"
        guard !children.isEmpty else { return (false, "no child aged \(ages).") }
        if !findings.isEmpty { return (true, findings.joined(separator: "; ") + ".") }
        var text = "every child aged \(ages) (\(ids(children))) attends school at a level suited to the age"
        if !unknownLevel.isEmpty {
            text += "; the level of \(unknownLevel.joined(separator: ", ")) was not recorded and enrolment is taken as enough"
        }
        return (false, text + ".")
    }

    // MARK: - Dwelling and services

    static func housingQuality(_ rule: HousingQualityRule, _ housing: Housing) -> (Bool, String) {
        let parts: [(String, BuildingMaterial)] = [("walls", housing.walls), ("columns", housing.columns), ("roof", housing.roof)]
        let weak = parts.filter { !rule.durableMaterials.contains($0.1) }
        let described = weak.map { "\($0.0) of '\($0.1.rawValue)'" }.joined(separator: ", ")
        let count = "\(weak.count) of 3 main structures are non-durable"
        if weak.count >= rule.deprivedWhenNonDurableAtLeast {
            return (true, "\(count) (\(described)), \(rule.deprivedWhenNonDurableAtLeast) or more count as non-durable housing.")
        }
        return (false, "\(count)\(weak.isEmpty ? "" : " (\(described))"), fewer than \(rule.deprivedWhenNonDurableAtLeast).")
    }

    static func housingArea(_ rule: HousingAreaRule, _ housing: Housing, memberCount: Int) -> (Bool, String) {
        guard memberCount > 0 else { return (false, "the household has no members (not a valid input), so area per person is undefined; counted as not deprived.") }
        let perPerson = housing.floorAreaM2 / Double(memberCount)
        let text = "\(number(housing.floorAreaM2)) m² for \(memberCount) member\(memberCount == 1 ? "" : "s") is \(number(perPerson)) m² per person"
        return perPerson < rule.deprivedWhenM2PerPersonBelow
            ? (true, "\(text), below \(number(rule.deprivedWhenM2PerPersonBelow)) m².")
            : (false, "\(text), not below \(number(rule.deprivedWhenM2PerPersonBelow)) m².")
    }

    static func telecom(_ rule: TelecomRule, _ information: InformationAccess) -> (Bool, String) {
        var used: [TelecomService] = []
        if information.telecomUse { used.append(.telecom) }
        if information.internetUse { used.append(.internet) }
        let accepted = rule.acceptedServices.filter(used.contains)
        if !accepted.isEmpty { return (false, "a member uses \(list(accepted.map(\.rawValue), conjunction: "and")) services.") }
        let usesOther = used.isEmpty ? "" : " (only \(list(used.map(\.rawValue))) is used, which this standard does not accept)"
        return (true, "no member uses \(list(rule.acceptedServices.map(\.rawValue), conjunction: "or")) services\(usesOther).")
    }

    // MARK: - Text helpers

    static func ids(_ members: [HouseholdMember]) -> String { members.map(\.memberId).joined(separator: ", ") }

    static func list<T: RawRepresentable>(_ values: [T], conjunction: String = "") -> String where T.RawValue == String {
        list(values.map(\.rawValue), conjunction: conjunction)
    }

    static func list(_ values: [String], conjunction: String = "") -> String {
        let quoted = values.map { "'\($0)'" }
        guard !conjunction.isEmpty, quoted.count > 1 else { return quoted.joined(separator: ", ") }
        return quoted.dropLast().joined(separator: ", ") + " \(conjunction) " + quoted.last!
    }

    static func number(_ value: Double) -> String { DecimalText.amount(value) }

    static func formatShare(_ share: Double) -> String { number(share * 100) + "%" }
}
