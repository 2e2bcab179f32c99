import EventContracts
import Foundation
import Hummingbird
import ServiceRuntime

/// A commune's recognition decision when intake runs as several instances: its households lie on every partition, and
/// each instance writes only its own. The instance that takes the decision asks each writer to recognise the
/// households of its partitions (a part), puts the parts together, and has every writer keep the whole outcome.
extension HouseholdWriteRouter {
    /// Waits, as long as the patience, for every partition to have a writer.
    func awaitWriters() async -> PartitionHolders? { await PartitionGather(routing: routing, patience: patience).awaitHolders() }

    enum PartAnswer: Sendable {
        case recognised(RecognitionOutcome, created: Bool)
        /// The writer refused the decision (another decision on record, a field error): its answer is the answer.
        case refused(status: Int, headers: HTTPFields, body: [UInt8])
        /// Not done there now (moving, or no answer): the decision is to be posted again.
        case retry(String)
    }

    /// Asks `owner` to recognise the households of `partitions`.
    func recognisePart(_ body: RecognitionRequest, partitions: [Int32], request: Request, to owner: InstanceClaim) async -> PartAnswer {
        do {
            let answer = try await routing.send(
                .post, request.uri.path, body: try EventJSON.encode(body), like: request.headers,
                extraHeaders: [.contentType: "application/json", .recognitionPart: partitions.map(String.init).joined(separator: ",")], to: owner)
            switch answer.status {
            case 200, 201: return .recognised(try EventJSON.decode(RecognitionOutcome.self, from: answer.body), created: answer.status == 201)
            case 503: return .retry("\(owner.instanceId) could not take its part now")
            default: return .refused(status: answer.status, headers: answer.headers, body: answer.body)
            }
        } catch {
            return .retry("\(owner.instanceId) did not answer (\(error.localizedDescription))")
        }
    }

    /// Has `owner` keep the whole outcome in place of its part (best effort: a decision posted again does it again).
    func shareWhole(_ outcome: RecognitionOutcome, request: Request, with owner: InstanceClaim) async {
        guard let body = try? EventJSON.encode(outcome) else { return }
        _ = try? await routing.send(
            .post, request.uri.path, body: body, like: request.headers, extraHeaders: [.contentType: "application/json", .recognitionWhole: "1"],
            to: owner)
    }
}

extension HTTPFields.Element.Name {
    /// On a decision forwarded by the instance that took it: the partitions whose households the receiver recognises.
    static let recognitionPart = Self("X-GiamNgheo-Recognition-Part")!
    /// On a decision's whole outcome forwarded by the instance that took it, for the receiver to keep.
    static let recognitionWhole = Self("X-GiamNgheo-Recognition-Whole")!
}
