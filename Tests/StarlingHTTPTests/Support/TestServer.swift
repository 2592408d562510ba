import Logging
import StarlingHTTP

/// A server under test: each request is handled by `handle` in a task of its own, and the
/// server is closed when the test's body ends.
struct TestServer: Sendable {
  let server: HTTPServer
  let log: LogCapture

  var port: Int { server.address.port }
  var url: String { "http://127.0.0.1:\(port)" }

  /// Runs `body` with a server on a free port of 127.0.0.1 answering with `handle`.
  static func with(
    _ configuration: HTTPServer.Configuration = HTTPServer.Configuration(), scheme: String = "http",
    handle: @escaping @Sendable (HTTPRequest) async throws -> Void,
    _ body: (TestServer) async throws -> Void
  ) async throws {
    let log = LogCapture()
    var configuration = configuration
    configuration.logger = log.logger()
    let server = try await HTTPServer.listen("\(scheme)://127.0.0.1:0", configuration: configuration)
    let test = TestServer(server: server, log: log)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        await withDiscardingTaskGroup { requests in
          for await request in server.requests {
            requests.addTask { try? await handle(request) }
          }
        }
      }
      do {
        try await body(test)
      } catch {
        server.close()
        throw error
      }
      server.close()
      try await group.waitForAll()
    }
  }
}

/// curl with `arguments`, to its end.
func curl(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
  try await Program.run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "60"] + arguments)
}
