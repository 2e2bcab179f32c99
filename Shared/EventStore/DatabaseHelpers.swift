import GRDB

extension Database {
    /// Executes `sql` with `arguments` through a statement compiled once per connection and reused: the apply loop
    /// runs the same few statements for every record, and compiling them each time cost more than running them.
    public func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Runs `body` in a savepoint (cached statements): rolled back, and its error rethrown, if `body` throws.
    /// The apply loop isolates each record this way, so a poison record undoes only its own writes.
    func withSavepoint<T>(_ body: () throws -> T) throws -> T {
        try run("SAVEPOINT record")
        do {
            let result = try body()
            try run("RELEASE SAVEPOINT record")
            return result
        } catch {
            try run("ROLLBACK TO SAVEPOINT record")
            try run("RELEASE SAVEPOINT record")
            throw error
        }
    }
}
