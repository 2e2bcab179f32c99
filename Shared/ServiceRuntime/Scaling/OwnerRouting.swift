import EventContracts
import Foundation
import Hummingbird
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Answers a request about one key (a household id) where its partition is: `nil` when this instance holds the
/// partition and answers from its own store; otherwise the owner's answer, fetched on the caller's behalf; or a 503
/// with `Retry-After` while no live instance holds it. Never an answer from rows of a partition this instance no longer
/// holds.
public struct OwnerRouting: Sendable {
    public let directory: InstanceDirectory
    /// How long a forwarded request may take before the caller is told to retry.
    let timeout: TimeInterval

    public init(directory: InstanceDirectory, timeout: TimeInterval = 10) {
        self.directory = directory
        self.timeout = timeout
    }

    /// Seconds a caller is asked to wait when no instance holds the partition: a rebalance after a lost member takes
    /// the session timeout and a round of the group protocol.
    static let retryAfterSeconds = 2

    public func route(_ request: Request, key: String, parameter: String) async -> Response? {
        switch directory.owner(ofKey: key) {
        case .this:
            return nil
        case .catchingUp:
            return moving(key, parameter: parameter, why: "\(directory.instanceId) took it over and is still reading what it missed")
        case .nobody:
            return moving(key, parameter: parameter, why: "no instance of \(directory.service) holds it right now (it is moving between instances)")
        case .other(let owner):
            // A request that was forwarded once is not forwarded again: the two instances disagree for a moment.
            if request.headers[.forwardedBy] != nil {
                return moving(key, parameter: parameter, why: "\(request.headers[.forwardedBy] ?? "") sent it here, but \(owner.instanceId) holds it now")
            }
            return await forward(request, to: owner, key: key, parameter: parameter)
        }
    }

    /// For a record about one key put on a topic through an HTTP twin (an agency's record about a household, applied
    /// where the household is kept): nil when this instance is assigned the key's partition (its consumer applies the
    /// record in order, also while it catches up); else the holder's answer to the same request with `body`. While no
    /// live instance holds the partition it waits up to `patience`, then answers 503.
    public func routeWrite(_ request: Request, body: [UInt8], key: String, parameter: String, patience: Duration = .seconds(10)) async -> Response? {
        let deadline = ContinuousClock.now + patience
        var owner = directory.owner(ofKey: key)
        while owner == .nobody, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(250))
            owner = directory.owner(ofKey: key)
        }
        switch owner {
        case .this, .catchingUp:
            return nil
        case .nobody:
            return moving(key, parameter: parameter, why: "no instance of \(directory.service) holds it right now (it is moving between instances)")
        case .other(let owner):
            if request.headers[.forwardedBy] != nil {
                return moving(key, parameter: parameter, why: "\(request.headers[.forwardedBy] ?? "") sent it here, but \(owner.instanceId) holds it now")
            }
            do {
                return try await send(
                    request.method, request.uri.description, body: body, like: request.headers, extraHeaders: [.contentType: "application/json"],
                    to: owner
                ).response
            } catch {
                return moving(key, parameter: parameter, why: "it is held by \(owner.instanceId), which did not answer (\(error.localizedDescription))")
            }
        }
    }

    private func forward(_ request: Request, to owner: InstanceClaim, key: String, parameter: String) async -> Response {
        guard request.method == .get || request.method == .head else {
            return moving(key, parameter: parameter, why: "it is held by \(owner.instanceId), and only reads are forwarded")
        }
        do {
            return try await send(request.method, request.uri.description, body: nil, like: request.headers, to: owner).response
        } catch {
            return moving(key, parameter: parameter, why: "it is held by \(owner.instanceId), which did not answer (\(error.localizedDescription))")
        }
    }

    /// The owner's answer to a request sent on the caller's behalf: its token, language, request id and trace go along,
    /// and the request is marked as forwarded by this instance (so it is never forwarded again).
    public func send(
        _ method: HTTPRequest.Method, _ pathAndQuery: String, body: [UInt8]?, like caller: HTTPFields, extraHeaders: [HTTPFields.Element.Name: String] = [:],
        to owner: InstanceClaim
    ) async throws -> Answer {
        guard let url = URL(string: owner.url + pathAndQuery) else { throw URLError(.badURL) }
        var outbound = URLRequest(url: url, timeoutInterval: timeout)
        outbound.httpMethod = method.rawValue
        for name in [HTTPFields.Element.Name.authorization, .accept, .acceptLanguage, .requestId, .contentType] {
            if let value = caller[name] { outbound.setValue(value, forHTTPHeaderField: name.rawName) }
        }
        // An agency's record keeps its CloudEvents identity (`ce-id`, `ce-source`, …) and an idempotency key.
        for field in caller where field.name.rawName.lowercased().hasPrefix("ce-") || field.name.rawName.lowercased() == "idempotency-key" {
            outbound.setValue(field.value, forHTTPHeaderField: field.name.rawName)
        }
        for (name, value) in extraHeaders { outbound.setValue(value, forHTTPHeaderField: name.rawName) }
        if let trace = TraceContext.current { outbound.setValue(trace.traceparent, forHTTPHeaderField: HTTPFields.Element.Name.traceparent.rawName) }
        outbound.setValue(directory.instanceId, forHTTPHeaderField: HTTPFields.Element.Name.forwardedBy.rawName)
        if let body { outbound.httpBody = Data(body) }
        let (data, answer) = try await URLSession.shared.data(for: outbound)
        guard let answer = answer as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers = HTTPFields()
        for name in [HTTPFields.Element.Name.contentType, .retryAfter, .contentDisposition, .answeredBy, .location] {
            if let value = answer.value(forHTTPHeaderField: name.rawName) { headers[name] = value }
        }
        return Answer(status: answer.statusCode, headers: headers, body: [UInt8](data))
    }

    /// Another instance's answer to a request sent on.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPFields
        public var body: [UInt8]

        /// The answer as this instance's own.
        public var response: Response {
            Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// The 503 for a request about `key` that this instance cannot answer or pass on now.
    public func moving(_ key: String, parameter: String, why: String) -> Response {
        let partition = directory.partition(ofKey: key)
        return JSONResponse.make(
            .serviceUnavailable,
            ErrorBody(error: "partition moving", errors: [FieldError(parameter, "is on partition \(partition) of \(directory.group)'s topics, and \(why); retry after the time given")]),
            headers: [.retryAfter: String(Self.retryAfterSeconds), .answeredBy: directory.instanceId])
    }
}

extension HTTPFields.Element.Name {
    /// Set on a request one instance forwards to another (the sender's instance id): it is never forwarded again.
    public static let forwardedBy = Self("X-GiamNgheo-Forwarded-By")!
    /// The instance whose store gave the answer.
    public static let answeredBy = Self("X-GiamNgheo-Answered-By")!
}
