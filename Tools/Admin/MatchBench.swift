import ArgumentParser
import Areas
import EventContracts
import Foundation
import TrainingMatch

/// Time and memory of matching candidates to the centres' courses and vacancies in one process: synthetic people in
/// every province's communes, courses held in communes, vacancies in provinces and a share abroad.
struct MatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match-bench", abstract: "Seconds and peak memory to match candidates to courses and vacancies.")
    @Option(help: "Candidates.") var people = 100_000
    @Option(help: "Courses and vacancies together (half each).") var entries = 5_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 3

    func run() throws {
        var random = SplitMix(seed: seed)
        let communes = try AreaRegistry.bundled().communes(on: "2026-12-01")
        let levels: [EducationLevel] = [.none, .primary, .lowerSecondary, .upperSecondary, .vocationalElementary]
        let priorities: [MatchablePerson.Priority] = [.poor, .nearPoor, .newlyEscaped, .lowIncomeWorker]
        let wants: [[CandidateInterest]] = [[.training], [.job], [.training, .job]]
        let generated = (0..<people).map { n -> MatchablePerson in
            let commune = communes[Int(random.next() % UInt64(communes.count))]
            return MatchablePerson(
                householdId: "h\(n)", memberId: "m1", ageYears: 16 + Int(random.next() % 40), surveyDate: "2026-10-15",
                sex: random.next() % 2 == 0 ? .male : .female, education: levels[Int(random.next() % 5)], disability: random.next() % 20 == 0 ? .disabled : .none,
                communeCode: commune.code, provinceCode: commune.provinceCode, priority: priorities[Int(random.next() % 4)],
                supportGroup: [.poor, .nearPoor, .newlyEscaped, .lowIncomeWorker][Int(random.next() % 4)], wants: wants[Int(random.next() % 3)],
                employmentType: [.agriculture, .wage, .selfEmployed][Int(random.next() % 3)])
        }
        let occupations = [("7531", "Thợ may"), ("6111", "Trồng trọt"), ("7231", "Sửa chữa xe máy"), ("8153", "Công nhân may"), ("5120", "Nấu ăn")]
        let courses = (0..<entries / 2).map { n -> Course in
            let commune = communes[Int(random.next() % UInt64(communes.count))]
            let occupation = occupations[n % occupations.count]
            return Course(
                courseId: "C\(n)", version: 1, provider: "Trung tâm \(n)", occupation: Occupation(vsco: occupation.0, isco08: occupation.0, name: occupation.1),
                level: .underThreeMonths, place: CataloguePlace(provinceCode: commune.provinceCode, communeCode: n % 3 == 0 ? commune.code : nil),
                startsOn: "2027-01-10", endsOn: "2027-03-31", seats: 10 + Int(random.next() % 30), minAge: 16, maxAge: 55, costVnd: 3_000_000,
                supportGroups: [.poor, .nearPoor, .newlyEscaped, .lowIncomeWorker])
        }
        let vacancies = (0..<entries - entries / 2).map { n -> Vacancy in
            let commune = communes[Int(random.next() % UInt64(communes.count))]
            let occupation = occupations[n % occupations.count]
            let abroad = n % 20 == 0
            return Vacancy(
                vacancyId: "V\(n)", version: 1, employer: "Doanh nghiệp \(n)", occupation: Occupation(vsco: occupation.0, isco08: occupation.0, name: occupation.1),
                place: abroad ? CataloguePlace(countryCode: "JP") : CataloguePlace(provinceCode: commune.provinceCode), headcount: 5 + Int(random.next() % 50),
                wage: .init(minMonthlyVnd: 6_000_000), minAge: 18, maxAge: 45, accommodatesDisability: n % 4 == 0, deadline: "2027-02-28", abroad: abroad)
        }
        let start = ContinuousClock.now
        let offers = CatalogueMatching.offers(
            people: generated, courses: courses, vacancies: vacancies, rules: .init(minimumWorkingAge: 15, retirementAge: (male: 61, female: 57)))
        let seconds = (ContinuousClock.now - start).inSeconds
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("match.people \(people)")
        print("match.courses \(courses.count)")
        print("match.vacancies \(vacancies.count)")
        print("match.offers \(offers.count)")
        print("match.digest \(offerDigest(offers))")
        print(String(format: "match.seconds %.2f", seconds))
        print("match.peak_rss_mb \(usage.ru_maxrss / 1024)")
    }
}

/// FNV-1a 64 of every field of every offer, in the order returned: equal digests mean the same offers in the same
/// order, to compare two builds' results.
private func offerDigest(_ offers: [Offer]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func add(_ text: String) {
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0x1f) &* 0x100_0000_01b3  // field separator
    }
    for offer in offers {
        add(offer.householdId)
        add(offer.memberId)
        add(offer.entry.rawValue)
        add(offer.entryId)
        add(String(offer.score))
        offer.reasons.forEach(add)
        hash = (hash ^ 0x1e) &* 0x100_0000_01b3  // offer separator
    }
    return String(hash, radix: 16)
}

/// SplitMix64: reproducible synthetic data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
