import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`: Foundation's `Process` on Linux could
/// leave a finished child unreaped and `waitUntilExit` waiting forever inside the test runner.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` is only set by `reap`, which callers use from one task at a time.
    public let pid: pid_t
    private var exitStatus: Int32?

    /// Starts `arguments[0]` with `environment`; standard output and error are appended to `outputPath`.
    public init(_ arguments: [String], environment: [String: String], outputPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard result == 0 else { throw TestFailure("cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Whether the process is still running (reaping it if it has exited).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Sends `signal` (if still running).
    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the process to exit and returns its exit status (128 + signal when killed).
    @discardableResult
    public func wait() -> Int32 { reap(blocking: true)! }

    private func reap(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        guard result == pid else { return nil }
        let signalled = status & 0x7f
        exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        return exitStatus
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            wait()
        }
    }
}
