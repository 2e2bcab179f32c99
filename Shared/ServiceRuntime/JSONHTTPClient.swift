import EventContracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal JSON-over-HTTP client for the admin tool and tests (officers use the API with any client).
public struct JSONHTTPClient: Sendable {
    public let baseURL: String
    /// The bearer token sent with every request (unless a request sets its own `Authorization`).
    public let token: String?

    /// How long a read answered `503` with `Retry-After` (its partition is moving between instances) is asked again,
    /// waiting as told, before that answer is returned. Zero: returned at once.
    public let patience: Duration
    /// How long a request may wait for its answer; a large import takes more than a minute on a busy machine.
    public let timeout: TimeInterval

    public init(baseURL: String, token: String? = nil, patience: Duration = .seconds(30), timeout: TimeInterval = 60) {
        self.baseURL = baseURL
        self.token = token
        self.patience = patience
        self.timeout = timeout
    }

    /// The same client with another token (nil: none).
    public func with(token: String?) -> JSONHTTPClient { JSONHTTPClient(baseURL: baseURL, token: token, patience: patience, timeout: timeout) }

    /// The same client, returning a `503` at once (`.zero`) or asking again for longer.
    public func with(patience: Duration) -> JSONHTTPClient { JSONHTTPClient(baseURL: baseURL, token: token, patience: patience, timeout: timeout) }

    /// The same client, waiting longer (or less) for each answer.
    public func with(timeout: TimeInterval) -> JSONHTTPClient { JSONHTTPClient(baseURL: baseURL, token: token, patience: patience, timeout: timeout) }

    /// The status code and raw body of a request.
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The answer's headers, by lower-cased name.
        public var headers: [String: String] = [:]

        public func decode<T: Decodable>(_ type: T.Type) throws -> T { try EventJSON.decode(type, from: body) }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let deadline = ContinuousClock.now + patience
        while true {
            let reply = try await send(request)
            guard reply.status == 503, let seconds = reply.headers["retry-after"].flatMap(Int.init), ContinuousClock.now + .seconds(seconds) < deadline
            else { return reply }
            try await Task.sleep(for: .seconds(seconds))
        }
    }

    public func post<T: Encodable>(_ path: String, json: T, headers: [String: String] = [:]) async throws -> Reply {
        try await post(path, body: try EventJSON.encode(json), headers: headers)
    }

    public func post(_ path: String, body: [UInt8], headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    public func put<T: Encodable>(_ path: String, json: T, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = "PUT"
        request.httpBody = Data(try EventJSON.encode(json))
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    public func delete(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = "DELETE"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> Reply {
        var request = request
        request.timeoutInterval = timeout
        if let token, request.value(forHTTPHeaderField: "Authorization") == nil {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        let headers = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { result, field in
            if let name = field.key as? String, let value = field.value as? String { result[name.lowercased()] = value }
        }
        return Reply(status: http?.statusCode ?? 0, body: [UInt8](data), headers: headers)
    }
}
