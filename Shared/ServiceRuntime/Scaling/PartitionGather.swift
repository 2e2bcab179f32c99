import EventContracts
import Foundation
import Hummingbird

/// Every partition's holder at one moment: this instance's partitions and the others', by claim.
public struct PartitionHolders: Sendable {
    public var mine: Set<Int32>
    public var others: [(claim: InstanceClaim, partitions: [Int32])]
}

extension InstanceDirectory {
    /// Who holds each partition now; nil while a partition has no holder that answers for it (moving, or catching up).
    public func holdersOfEveryPartition() -> PartitionHolders? {
        var mine: Set<Int32> = []
        var others: [String: (claim: InstanceClaim, partitions: [Int32])] = [:]
        for partition in 0..<partitionCount {
            switch owner(ofPartition: partition) {
            case .this: mine.insert(partition)
            case .other(let claim): others[claim.instanceId, default: (claim, [])].partitions.append(partition)
            case .catchingUp, .nobody: return nil
            }
        }
        return PartitionHolders(mine: mine, others: others.values.sorted { $0.claim.instanceId < $1.claim.instanceId })
    }
}

/// A query whose answer is made of every partition's rows — a list by commune, a shadow run, a grouping's sum — when
/// the service runs as several instances. The instance a client reaches asks each other holder for its partitions'
/// part (the same request, with ``HTTPFields/Element/Name/partitions`` naming them), answers its own part from its
/// store, and puts the parts together; a part is never read from rows of a partition its instance no longer holds.
public struct PartitionGather: Sendable {
    public let routing: OwnerRouting
    /// How long the partitions may take to settle before the client is told to retry.
    public let patience: Duration

    public init(routing: OwnerRouting, patience: Duration = .seconds(30)) {
        self.routing = routing
        self.patience = patience
    }

    /// What a request is asked to cover.
    public enum Scope: Sendable {
        /// A client's request: every partition, gathered from their holders.
        case whole
        /// Another instance's request for these partitions' part, all held here.
        case part(Set<Int32>)
    }

    /// The scope of `request`, or the 503 to answer when it asks for partitions this instance no longer holds (or
    /// names them wrongly).
    public func scope(of request: Request) -> Result<Scope, Refusal> {
        guard let named = request.headers[.partitions] else { return .success(.whole) }
        let asked = named.split(separator: ",").map { Int32($0.trimmingCharacters(in: .whitespaces)) }
        guard !asked.isEmpty, asked.allSatisfy({ $0 != nil && $0! >= 0 && $0! < routing.directory.partitionCount }) else {
            return .failure(Refusal(JSONResponse.error(.badRequest, "the header \(HTTPFields.Element.Name.partitions) names no partitions of \(routing.directory.group)")))
        }
        let partitions = Set(asked.compactMap { $0 })
        let lost = partitions.subtracting(routing.directory.held)
        guard lost.isEmpty else {
            return .failure(Refusal(moving("\(routing.directory.instanceId) no longer holds partitions \(lost.sorted().map(String.init).joined(separator: ", "))")))
        }
        return .success(.part(partitions))
    }

    /// Waits, as long as the patience, for every partition to have a holder.
    public func awaitHolders() async -> PartitionHolders? {
        let deadline = ContinuousClock.now + patience
        while true {
            if let holders = routing.directory.holdersOfEveryPartition() { return holders }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Why a gathered answer cannot be given now; `response` is what the client gets.
    public struct Refusal: Error, Sendable {
        public let response: Response
        init(_ response: Response) { self.response = response }
    }

    /// Every holder's part of the answer to `request`: this instance's from `local` (given the partitions it holds),
    /// the others' by sending the request on with the partitions each is to cover, decoded as `Part`. A holder's
    /// refusal other than a 503 is the answer; a 503, a partition without a holder for the patience or a holder that
    /// does not answer within `timeout` is a 503 to retry.
    /// - Parameters:
    ///   - path: the path and query sent on, when not the request's own; `body` is sent as JSON.
    public func gather<Part: Decodable & Sendable>(
        _ request: Request, path: String? = nil, body: [UInt8]? = nil, as: Part.Type, timeout: TimeInterval? = nil,
        local: (Set<Int32>) async throws -> Part
    ) async throws -> Result<[Part], Refusal> {
        guard let holders = await awaitHolders() else {
            return .failure(Refusal(moving("some of its partitions have had no instance answering for them for \(patience.components.seconds) s")))
        }
        let sender = timeout.map { OwnerRouting(directory: routing.directory, timeout: $0) } ?? routing
        let path = path ?? request.uri.description
        let extra: [HTTPFields.Element.Name: String] = body == nil ? [:] : [.contentType: "application/json"]
        let (mine, remote) = try await withThrowingTaskGroup(of: (String, Result<Part, Refusal>).self) { group in
            for (claim, partitions) in holders.others {
                group.addTask {
                    do {
                        let answer = try await sender.send(
                            request.method, path, body: body, like: request.headers,
                            extraHeaders: extra.merging([.partitions: partitions.map(String.init).joined(separator: ",")]) { $1 }, to: claim)
                        switch answer.status {
                        case 200:
                            return (claim.instanceId, .success(try EventJSON.decode(Part.self, from: answer.body)))
                        case 503:
                            return (claim.instanceId, .failure(Refusal(moving("\(claim.instanceId) could not give its part now"))))
                        default:
                            return (claim.instanceId, .failure(Refusal(answer.response)))
                        }
                    } catch {
                        return (claim.instanceId, .failure(Refusal(moving("\(claim.instanceId) did not give its part (\(error.localizedDescription))"))))
                    }
                }
            }
            let mine = try await local(holders.mine)
            var answers: [String: Result<Part, Refusal>] = [:]
            for try await (instance, answer) in group { answers[instance] = answer }
            return (mine, answers)
        }
        var parts = [mine]
        for (claim, _) in holders.others {
            switch remote[claim.instanceId] {
            case .success(let part): parts.append(part)
            case .failure(let refusal): return .failure(refusal)
            case nil: return .failure(Refusal(moving("\(claim.instanceId) did not give its part")))
            }
        }
        return .success(parts)
    }

    /// The first answer other than a 404 or a 5xx that another live instance gives to `request` (or to a GET of
    /// `path`): for what one instance keeps (a shadow run, an import's report) when it is not kept here. Nil when none
    /// has it, or the request was forwarded here already.
    public func askOthers(_ request: Request, path: String? = nil) async -> OwnerRouting.Answer? {
        guard request.headers[.forwardedBy] == nil else { return nil }
        for claim in routing.directory.liveOthers {
            guard let answer = try? await routing.send(path == nil ? request.method : .get, path ?? request.uri.description, body: nil, like: request.headers, to: claim),
                answer.status != 404, answer.status < 500
            else { continue }
            return answer
        }
        return nil
    }

    /// Every other live instance's answer to `request` that decodes as `Part`, for lists each instance keeps its own
    /// share of; instances that do not answer are left out.
    public func answersOfOthers<Part: Decodable & Sendable>(_ request: Request, as: Part.Type) async -> [Part] {
        guard request.headers[.forwardedBy] == nil else { return [] }
        var parts: [Part] = []
        for claim in routing.directory.liveOthers {
            guard let answer = try? await routing.send(request.method, request.uri.description, body: nil, like: request.headers, to: claim),
                answer.status == 200, let part = try? EventJSON.decode(Part.self, from: answer.body)
            else { continue }
            parts.append(part)
        }
        return parts
    }

    private func moving(_ why: String) -> Response {
        JSONResponse.make(
            .serviceUnavailable,
            ErrorBody(error: "partitions moving", errors: [FieldError("partitions", "the answer needs every partition of \(routing.directory.group)'s topics, and \(why); retry after the time given")]),
            headers: [.retryAfter: String(OwnerRouting.retryAfterSeconds), .answeredBy: routing.directory.instanceId])
    }
}

extension HTTPFields.Element.Name {
    /// On a request one instance sends another for its part of a gathered answer: the partitions the part covers.
    public static let partitions = Self("X-GiamNgheo-Partitions")!
}
