import ArgumentParser

/// The three arguments of every nng perf role: `URL SIZE COUNT`.
struct PerfArguments: ParsableArguments {
  @Argument(help: "The address: local roles listen at it, remote roles dial it.")
  var url: String

  @Argument(help: "The message size in bytes.")
  var size: String

  @Argument(help: "How many round trips (latency) or messages (throughput).")
  var count: String

  /// The size and count, checked as perf does (0 to 2^30).
  func parsed() throws(CatError) -> (size: Int, count: Int) {
    (try Self.number(size, what: "message size"), try Self.number(count, what: "count"))
  }

  /// A whole number from 0 to 2^30, or ``CatError/usage(_:)`` "Invalid WHAT", as perf says.
  static func number(_ text: String, what: String) throws(CatError) -> Int {
    guard let value = Int(text), value >= 0, value <= 1 << 30, !text.hasPrefix("+") else {
      throw .usage("Invalid \(what)")
    }
    return value
  }
}
