import EventContracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing
@testable import TrainingMatch

extension SystemTests {
    /// An employment centre without Kafka uses training-match's HTTP twins: a course is accepted and listed, a bad one
    /// is refused naming its fields, an outsider is refused, a withdrawal closes the course, and the same request again
    /// gets the same answer.
    @Test func aCentrePostsListsAndWithdrawsACourseOverHTTP() async throws {
        let system = try RunningSystem(["training-match"])
        defer { system.stop() }
        try await system.start()
        let client = system["training-match"].client()
        let centre = ["ce-source": "/employment-centre/thai-nguyen"]
        let course = Course(
            courseId: "TTDVVL-TN-2027-001", version: 1, provider: "Trung tâm Giáo dục nghề nghiệp Bắc Kạn",
            occupation: Occupation(vsco: "7531", isco08: "7531", name: "Thợ may"), level: .underThreeMonths,
            place: CataloguePlace(provinceCode: "19", communeCode: "01843"), startsOn: "2027-01-10", endsOn: "2027-03-31", seats: 25,
            costVnd: 3_000_000, supportGroups: [.poor, .nearPoor])

        let posted = try await client.post("/v1/courses", json: course, headers: centre.merging(["ce-id": "c-1"]) { $1 })
        let answer = try posted.decode(CatalogueOutcome.self)
        #expect(posted.status == 200 && answer.standing == .open && answer.entryId == course.courseId, "\(posted.text)")
        let again = try await client.post("/v1/courses", json: course, headers: centre.merging(["ce-id": "c-1"]) { $1 })
        let answerAgain = try again.decode(CatalogueOutcome.self)
        #expect(again.status == 200 && answerAgain == answer)

        var bad = course
        (bad.version, bad.place) = (2, CataloguePlace(provinceCode: "06"))
        let refused = try await client.post("/v1/courses", json: bad, headers: centre.merging(["ce-id": "c-2"]) { $1 })
        let refusedFields = try refused.decode(CatalogueOutcome.self).errors.map(\.field)
        #expect(refused.status == 422 && refusedFields == ["place.provinceCode"])
        let outsider = try await client.post("/v1/courses", json: course, headers: ["ce-source": "/vbsp/pgd/19", "ce-id": "c-3"])
        #expect(outsider.status == 403 && outsider.text.contains("ce-source"))
        let anonymous = try await client.post("/v1/courses", json: course)
        let anonymousFields = try anonymous.decode(ErrorBody.self).errors.map(\.field)
        #expect(anonymous.status == 400 && anonymousFields == ["ce-id", "ce-source"])

        let listed = try await client.get("/v1/courses?province=19&open=true").decode([Listed<Course>].self)
        #expect(listed.map(\.entry) == [course] && listed.allSatisfy { $0.open && !$0.withdrawn })
        let badQuery = try await client.get("/v1/courses?province=1&open=maybe")
        let badQueryFields = try badQuery.decode(ErrorBody.self).errors.map(\.field)
        #expect(badQuery.status == 400 && badQueryFields == ["province", "open"])

        let withdrawn = try await client.delete("/v1/courses/\(course.courseId)", headers: centre.merging(["ce-id": "w-1"]) { $1 })
        let standing = try withdrawn.decode(CatalogueOutcome.self).standing
        #expect(withdrawn.status == 200 && standing == .withdrawn, "\(withdrawn.text)")
        #expect(try await client.get("/v1/courses?open=true").decode([Listed<Course>].self).isEmpty)
        let closed = try await client.get("/v1/courses?open=false").decode([Listed<Course>].self)
        #expect(closed.count == 1 && closed.first?.withdrawn == true)
        #expect(try await client.get("/v1/catalogue-events?source=%2Femployment-centre%2Fthai-nguyen&id=c-2").status == 422)
    }
}
