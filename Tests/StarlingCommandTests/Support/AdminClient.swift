import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Requests to `starling run --http`'s admin server, made with async-http-client (a real HTTP
/// client, in this process: no child process per request).
enum AdminClient {
  /// An answer: status, headers (lower-cased names) and body.
  struct Reply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String
  }

  /// The admin server's port, from its `admin server listening on http://HOST:PORT` line.
  static func port(of run: ChildProcess) async throws -> Int {
    let line = try await run.line(containing: "admin server listening on http://")
    guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
      throw ProcessError("no port in '\(line)'")
    }
    return port
  }

  /// `METHOD http://127.0.0.1:PORT PATH`, with async-http-client.
  static func request(_ port: Int, _ path: String, method: String = "GET") async throws -> Reply {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = HTTPMethod(rawValue: method)
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 16 << 20)
    var headers: [String: String] = [:]
    for (name, value) in response.headers { headers[name.lowercased()] = value }
    return Reply(status: Int(response.status.code), headers: headers, body: String(buffer: body))
  }

  /// `/status`, parsed.
  static func status(_ port: Int) async throws -> [String: Any] {
    let reply = try await request(port, "/status")
    #expect(reply.status == 200)
    return try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
  }

  /// Asks `/status` until `holds` is true of it; fails after `timeout` (a safety net: each
  /// answer is checked as it comes).
  @discardableResult
  static func waitForStatus(
    _ port: Int, timeout: Duration = .seconds(60), _ what: String, _ holds: ([String: Any]) -> Bool
  ) async throws -> [String: Any] {
    let deadline = ContinuousClock.now + timeout
    var last: [String: Any] = [:]
    while ContinuousClock.now < deadline {
      last = try await status(port)
      if holds(last) { return last }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw ProcessError("/status never showed \(what): \(last)")
  }

  /// The module named `name` in the first pipeline of a `/status` answer.
  static func module(_ name: String, in status: [String: Any]) -> [String: Any]? {
    let pipelines = status["pipelines"] as? [[String: Any]] ?? []
    let modules = pipelines.first?["modules"] as? [[String: Any]] ?? []
    return modules.first { $0["name"] as? String == name }
  }

  /// The value of the sample of `metric` whose labels include `labels`, in Prometheus text.
  static func sample(_ metric: String, _ labels: [String: String], in text: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ")
    {
      guard let space = line.lastIndex(of: " ") else { continue }
      let series = line[..<space]
      if labels.allSatisfy({ series.contains("\($0.key)=\"\($0.value)\"") }) {
        return Double(line[line.index(after: space)...])
      }
    }
    return nil
  }
}
