import Logging

/// How an output retries a delivery that failed before the event goes to `failure`: the
/// `retries`, `backoff_min` and `backoff_max` arguments of `output.tcp`, `output.http`,
/// `output.push`, `output.pair` and `output.req`, and of your own outputs.
///
/// ```swift
/// static let descriptor = ModuleDescriptor(
///   type: "output.mine", summary: "…", arguments: [...] + RetryPolicy.arguments, example: "…")
///
/// init(context: ModuleContext) throws {
///   retry = try RetryPolicy(context.arguments)
/// }
///
/// func consume(_ event: Event, from queue: String) async throws {
///   try await retry.run(context: context) { try await send(event) }
/// }
/// ```
public struct RetryPolicy: Sendable, Hashable {
  /// How many times a failed delivery is tried again (0: never).
  public var retries: Int
  /// The waits between tries.
  public var backoff: Backoff

  /// The arguments a retrying output takes: `retries` (default 3), `backoff_min` (100ms) and
  /// `backoff_max` (5s).
  public static let arguments: [ArgumentSpec] = [
    ArgumentSpec(
      "retries", .int, default: 3, in: 0...1000,
      "How many times a failed delivery is tried again before the event goes to `failure`."),
    ArgumentSpec(
      "backoff_min", .duration, default: 0.1, in: 0.001...3600,
      "The wait before the first retry; each retry doubles it (with jitter) up to `backoff_max`."),
    ArgumentSpec(
      "backoff_max", .duration, default: 5, in: 0.001...86400, "The longest wait between retries."),
  ]

  /// A policy of `retries` retries with `backoff` between them.
  public init(retries: Int, backoff: Backoff) {
    self.retries = max(0, retries)
    self.backoff = backoff
  }

  /// Reads `retries`, `backoff_min` and `backoff_max`.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` when `backoff_max` is below `backoff_min`.
  public init(_ arguments: ModuleArguments) throws {
    let minimum = arguments.duration("backoff_min") ?? .milliseconds(100)
    let maximum = arguments.duration("backoff_max") ?? .seconds(5)
    guard maximum >= minimum else {
      throw PipelineError.invalidArgument(
        "backoff_max (\(ArgumentKind.duration.text(for: Self.seconds(maximum)))) is below backoff_min "
          + "(\(ArgumentKind.duration.text(for: Self.seconds(minimum)))): give a maximum at least as long")
    }
    self.init(retries: arguments.int("retries") ?? 3, backoff: Backoff(minimum: minimum, maximum: maximum))
  }

  /// Runs `attempt` until it succeeds, throws an error that `isRetryable` refuses, or has
  /// failed `retries + 1` times, sleeping on `clock` as ``backoff`` says between tries. Each
  /// retry is logged at debug level to `context`.
  ///
  /// - Throws: the error `attempt` threw last; after more than one try, wrapped in
  ///   ``RetriesExhausted`` (which says how many tries were made). `CancellationError` if the
  ///   task is cancelled while waiting.
  public func run<Result, C: Clock<Duration>>(
    clock: C = ContinuousClock(), jitter: () -> Double = { Double.random(in: 0...1) },
    context: ModuleContext? = nil, isRetryable: (any Error) -> Bool = { _ in true },
    _ attempt: () async throws -> Result
  ) async throws -> Result {
    var retry = 0
    while true {
      do {
        return try await attempt()
      } catch {
        guard retry < retries, isRetryable(error), !(error is CancellationError) else {
          if retry == 0 { throw error }
          throw RetriesExhausted(tries: retry + 1, last: error)
        }
        retry += 1
        let wait = backoff.delay(beforeRetry: retry, jitter: jitter())
        context?.log(
          .debug,
          "delivery failed, retry \(retry) of \(retries) in \(ArgumentKind.duration.text(for: Self.seconds(wait))): \(error)"
        )
        try await clock.sleep(for: wait)
      }
    }
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}

/// A delivery that failed every time it was tried.
public struct RetriesExhausted: Error, CustomStringConvertible {
  /// How many times it was tried.
  public var tries: Int
  /// The last try's error.
  public var last: any Error

  /// `<the last error> (gave up after 4 tries)`.
  public var description: String { "\(last) (gave up after \(tries) tries)" }
}
