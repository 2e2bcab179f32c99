import EventContracts
import Foundation
import Hummingbird

/// The JSON body of every error answer: a summary and, for bad input, each field with its reason.
public struct ErrorBody: Codable, Sendable {
    public var error: String
    public var errors: [FieldError]

    public init(error: String, errors: [FieldError] = []) {
        self.error = error
        self.errors = errors
    }
}

/// JSON answers shared by every service's HTTP API.
public enum JSONResponse {
    public static func make<T: Encodable>(_ status: HTTPResponse.Status, _ value: T, headers: HTTPFields = [:]) -> Response {
        let bytes = (try? EventJSON.encode(value)) ?? Array(#"{"error":"cannot encode response"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    public static func error(_ status: HTTPResponse.Status, _ message: String, _ errors: [FieldError] = []) -> Response {
        make(status, ErrorBody(error: message, errors: errors))
    }

    public static func notFound(_ what: String) -> Response {
        error(.notFound, "\(what) not found")
    }
}

extension Request {
    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    /// Reads a text body (a CSV file): 413 past `limit`, 400 when it is not UTF-8, each with the field named.
    public func text(limit: Int) async throws(HTTPInputError) -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw HTTPInputError(.contentTooLarge, FieldError("body", "is larger than \(limit) bytes"))
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw HTTPInputError(.badRequest, FieldError("body", "is not UTF-8 text (save the file as CSV UTF-8)"))
        }
        return text
    }

    /// Reads a JSON body as `T`, answering field-level errors for malformed or ill-typed input, and 415 for a body
    /// declared as another type (`text/plain`, `text/csv`…); a body without `Content-Type` is read as JSON.
    public func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 4 << 20) async throws(HTTPInputError) -> T {
        if let declared = headers[.contentType], !Self.isJSON(declared) {
            throw HTTPInputError(.unsupportedMediaType, FieldError("Content-Type", "must be application/json; got '\(declared.prefix(80))'"))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw HTTPInputError(.contentTooLarge, FieldError("body", "is larger than \(limit) bytes"))
        }
        let bytes = Array(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw HTTPInputError(.badRequest, FieldError("body", "is empty; a JSON object is expected")) }
        do {
            return try EventJSON.decode(type, from: bytes)
        } catch {
            throw HTTPInputError(.badRequest, EventJSON.fieldError(error))
        }
    }
}

extension Request {
    /// `application/json` or a `+json` type, with any parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }
}

/// Bad HTTP input, answered with its status and the fields at fault.
public struct HTTPInputError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var errors: [FieldError]

    public init(_ status: HTTPResponse.Status, _ errors: FieldError...) {
        self.status = status
        self.errors = errors
    }

    public init(_ status: HTTPResponse.Status, errors: [FieldError]) {
        self.status = status
        self.errors = errors
    }

    public var response: Response {
        JSONResponse.error(status, status == .badRequest || status == .unprocessableContent ? "invalid input" : status.reasonPhrase, errors)
    }
}
