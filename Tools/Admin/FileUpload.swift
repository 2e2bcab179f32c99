import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(CoreFoundation)
import CoreFoundation  // `stat` resolves to its declaration once JWTKit's FoundationEssentials is in the tool
#endif

/// Posts a file (streamed from disk) or a byte body as one HTTP/1.1 request over plain TCP with blocking writes, and
/// returns the answer. The admin tool uses it for CSV imports (`import-csv`, `bench-import`) and for every batch
/// `bench` posts.
///
/// Why not URLSession: on Linux its upload path wakes its dispatch queues thousands of times a second while the server
/// reads slowly (an import at work), burning about half a core in the client, which on a 2-core machine is taken
/// from the server being measured (in `bench`, 228 µs of CPU per household, 68 % of it in the kernel switching
/// threads). Blocking writes wait in the kernel instead. `http://` only, like intake itself (put a TLS proxy in front
/// of both).
struct FileUpload {
    let host: String
    let port: UInt16
    let basePath: String
    /// Sent as `Authorization: Bearer …` when set.
    let token: String?

    /// - Parameter baseURL: `http://host:port` with an optional path prefix.
    init(baseURL: String, token: String?) throws {
        self.token = token
        guard let url = URL(string: baseURL), url.scheme == "http", let host = url.host else {
            throw ValidationError("'\(baseURL)' is not an http:// URL")
        }
        self.host = host
        self.port = UInt16(url.port ?? 80)
        self.basePath = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
    }

    struct Answer {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends `file` to `path` with `Content-Length`, a megabyte at a time, and reads the answer to the end.
    func post(_ path: String, file: String, contentType: String) throws -> Answer {
        let input = open(file, O_RDONLY)
        guard input >= 0 else { throw ValidationError("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw ValidationError("cannot read \(file)") }
        return try post(path, contentType: contentType, length: Int(info.st_size)) { socket in
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                guard count >= 0 else { throw ValidationError("cannot read \(file): \(String(cString: strerror(errno)))") }
                if count == 0 { break }
                try send(buffer[..<count], to: socket)
            }
        }
    }

    /// Sends `body` to `path` and reads the answer to the end.
    func post(_ path: String, body: [UInt8], contentType: String) throws -> Answer {
        try post(path, contentType: contentType, length: body.count) { socket in try send(body[...], to: socket) }
    }

    /// One request on its own connection: the head, the body `writeBody` sends, then the answer read until the server
    /// closes (`Connection: close`).
    private func post(_ path: String, contentType: String, length: Int, writeBody: (Int32) throws -> Void) throws -> Answer {
        let socket = try connect()
        defer { close(socket) }
        let head = "POST \(basePath)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: \(contentType)\r\n"
            + (token.map { "Authorization: Bearer \($0)\r\n" } ?? "") + "Content-Length: \(length)\r\nConnection: close\r\n\r\n"
        try send(Array(head.utf8)[...], to: socket)
        try writeBody(socket)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var answer: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ValidationError("reading the answer failed: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            answer += buffer[..<count]
        }
        return try Self.parse(answer)
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw ValidationError("cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            entry = address.pointee.ai_next
        }
        throw ValidationError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))")
    }

    private func send(_ bytes: ArraySlice<UInt8>, to socket: Int32) throws {
        var sent = bytes.startIndex
        while sent < bytes.endIndex {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            // The server may answer and close early (a refused upload): its answer is still worth reading.
            if count < 0 && (errno == EPIPE || errno == ECONNRESET) { return }
            guard count > 0 else { throw ValidationError("sending failed: \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// Status and body of an HTTP/1.1 answer read to the end of the connection (chunked or not).
    static func parse(_ bytes: [UInt8]) throws -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw ValidationError("the server closed the connection without an answer")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ValidationError("not an HTTP answer: \(head[0])") }
        var body = Array(bytes[(end + 4)...])
        let chunked = head.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked {
            var decoded: [UInt8] = []
            var index = 0
            while let lineEnd = (index..<max(index, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                let size = Int(String(decoding: body[index..<lineEnd], as: UTF8.self).prefix { $0 != ";" }, radix: 16), size > 0,
                lineEnd + 2 + size <= body.count
            {
                decoded += body[(lineEnd + 2)..<(lineEnd + 2 + size)]
                index = lineEnd + 2 + size + 2
            }
            body = decoded
        }
        return Answer(status: status, body: body)
    }
}
