#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Kafka
import ServiceRuntime

/// A broker of one's own (Tansu, memory storage) for tests that must not share topics.
public final class LocalBroker: @unchecked Sendable {
    // @unchecked: immutable after init.
    public let address: String
    private let dataDir: String

    public init() throws {
        dataDir = try TestEnvironment.temporaryDirectory("broker")
        let output = try run(["\(TestEnvironment.root)/compose/broker", "start", "--data-dir", dataDir])
        guard let address = output.split(separator: "\n").last.map(String.init), address.contains(":") else {
            throw TestFailure("compose/broker start printed no address: \(output)")
        }
        self.address = address
    }

    public func stop() {
        _ = try? run(["\(TestEnvironment.root)/compose/broker", "stop", "--data-dir", dataDir])
    }

    /// Freezes the broker (SIGSTOP): connections stay open and nothing answers, as with a hung or partitioned broker.
    public func pause() throws { try signal(SIGSTOP) }

    /// Lets a paused broker go on (SIGCONT).
    public func resume() throws { try signal(SIGCONT) }

    /// Replaces the broker by an empty one at the same address, as after a lost disk or a new cluster.
    public func replace() throws {
        stop()
        guard let port = address.split(separator: ":").last else { throw TestFailure("no port in \(address)") }
        let output = try run(["\(TestEnvironment.root)/compose/broker", "start", "--port", String(port), "--data-dir", dataDir])
        guard output.split(separator: "\n").last.map(String.init) == address else { throw TestFailure("the new broker is not at \(address): \(output)") }
    }

    /// Deletes a topic with the broker's own tool (as an operator would, by mistake or to re-create it).
    public func deleteTopic(_ name: String) throws {
        try run(["\(TestEnvironment.root)/.deps/bin/tansu", "topic", "delete", "--broker", "tcp://\(address)", name])
    }

    private func signal(_ signal: Int32) throws {
        let text = try String(contentsOfFile: "\(dataDir)/broker.pid", encoding: .utf8)
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, signal) == 0 else {
            throw TestFailure("cannot signal the broker (pid file: \(text))")
        }
    }

    deinit { stop() }
}

/// Runs a command to completion and returns its standard output (and error).
@discardableResult
public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let outputPath = "\(NSTemporaryDirectory())giamngheo-run-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let child = try ChildProcess(
        arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }, outputPath: outputPath)
    let status = child.wait()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard status == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) exited \(status): \(output)") }
    return output
}

/// One of the five services as a real process, with its own store folder and HTTP port.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `start`, which tests call from one task.
    public let name: String
    /// Chosen free at init; chosen again when another process took it before the service bound it (``waitReady``).
    public private(set) var port: Int
    public let dataDir: String
    private var environment: [String: String]
    private var process: ChildProcess?
    private var overrides: [String: String] = [:]

    /// Which instance of the service this is (1 unless a test scales it): `INSTANCE_ID` is `<name>-<instance>`.
    public let instance: Int

    public init(_ name: String, instance: Int = 1, brokers: String, dataDir: String, extraEnvironment: [String: String] = [:]) throws {
        self.name = name
        self.instance = instance
        self.port = try freePort()
        self.dataDir = dataDir
        environment = [
            "KAFKA_BROKERS": brokers, "GIAMNGHEO_DATA_DIR": dataDir, "HTTP_PORT": String(port), "LOG_LEVEL": "info",
            "HOUSEHOLD_ID_KEY_FILE": TestEnvironment.householdIdKeyFile, "INSTANCE_ID": "\(name)-\(instance)",
        ].merging(TestEnvironment.authenticationEnvironment) { _, new in new }.merging(extraEnvironment) { _, new in new }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A client of this service with `token` (default: ``TestEnvironment/officeToken``).
    public func client(token: String? = TestEnvironment.officeToken) -> JSONHTTPClient { JSONHTTPClient(baseURL: baseURL, token: token) }
    public var logPath: String { instance == 1 ? "\(dataDir)/\(name).log" : "\(dataDir)/\(name)-\(instance).log" }

    /// Starts (or restarts) the process, with `overrides` on top of its environment; logs are appended to `logPath`.
    public func start(overriding overrides: [String: String] = [:]) throws {
        self.overrides = overrides
        process = try ChildProcess(
            ["\(TestEnvironment.binDirectory)/\(name)"],
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.merging(overrides) { _, new in new },
            outputPath: logPath)
    }

    /// Waits until `/readyz` answers 200 (store open, broker reachable, partitions assigned).
    public func waitReady(timeout: Duration = .seconds(90)) async throws {
        var client = JSONHTTPClient(baseURL: baseURL)
        var rebinds = 0
        try await waitUntil("\(name) ready", timeout: timeout, every: .milliseconds(200)) {
            if !isRunning, rebinds < 3, portWasTaken() {
                // A free port is free only until someone binds it: another test's process took it first.
                rebinds += 1
                port = try freePort()
                environment["HTTP_PORT"] = String(port)
                try start(overriding: overrides)
                client = JSONHTTPClient(baseURL: baseURL)
                return false
            }
            guard isRunning else { throw TestFailure("\(name) exited; see \(logPath)") }
            return (try? await client.get("/readyz").status) == 200
        }
    }

    /// Whether the last start ended because its HTTP port was taken.
    private func portWasTaken() -> Bool {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.suffix(2_000).contains("Address already in use")
    }

    /// `kill -9`: no shutdown work at all, as in a crash.
    public func kill() {
        guard let process, process.isRunning else { return }
        process.send(SIGKILL)
        process.wait()
    }

    /// SIGTERM and wait: the graceful path.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.send(SIGTERM)
        process.wait()
    }

    public var isRunning: Bool { process?.isRunning == true }

    deinit { kill() }
}

/// A port nobody listens on now (bound and released).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Sends `request` (a whole HTTP/1.1 request) to 127.0.0.1:`port` and returns the status of the answer, read from its
/// head without waiting for the body (an event stream never ends).
public func rawStatus(port: Int, request: [UInt8]) throws -> Int {
    try OpenRequest(port: port, sending: request).readHead().status
}

/// An HTTP/1.1 request sent by hand over its own connection, for tests that need an answer's head before the request
/// body is complete (an import answered `202` at once) or a connection cut mid-body.
public final class OpenRequest: @unchecked Sendable {
    // @unchecked: used from one test task.
    private let fd: Int32

    /// Connects to 127.0.0.1:`port` and sends `head` (the request line and headers, without the blank line).
    public convenience init(port: Int, head: String) throws {
        try self.init(port: port, sending: Array((head + "\r\n\r\n").utf8))
    }

    /// Connects to 127.0.0.1:`port` and sends `bytes`.
    public init(port: Int, sending bytes: [UInt8]) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("cannot open a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { close(fd); throw TestFailure("cannot connect to port \(port)") }
        try send(bytes)
    }

    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw TestFailure("the connection closed while sending") }
            sent += count
        }
    }

    /// Reads the answer's status and headers (lower-cased names).
    public func readHead() throws -> (status: Int, headers: [String: String]) {
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1)
        while !answer.suffix(4).elementsEqual([13, 10, 13, 10]) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 1, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw TestFailure("the connection closed before the answer's head") }
            answer.append(buffer[0])
        }
        let lines = String(decoding: answer, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let first = lines.first, first.hasPrefix("HTTP/1.1 "), let status = Int(first.dropFirst(9).prefix(3)) else {
            throw TestFailure("no status line: '\(lines.first?.prefix(80) ?? "")'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// Reads `count` bytes of the answer's body (after ``readHead()``).
    public func readBody(count: Int) throws -> [UInt8] {
        var body = [UInt8](repeating: 0, count: count)
        var read = 0
        while read < count {
            let n = body[read...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TestFailure("the connection closed after \(read) of \(count) body bytes") }
            read += n
        }
        return body
    }

    deinit { close(fd) }
}
